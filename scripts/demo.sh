#!/usr/bin/env bash
# Run the fencelab demo on a fresh Debian 12 machine: set-up, then `fencelab demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/fencelab demo "$@"
