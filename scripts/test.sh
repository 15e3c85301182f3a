#!/usr/bin/env bash
# Run every test of fencelab on a fresh Debian 12 machine: set-up, lint, then the whole pytest suite
# (unit, integration against the emulators, interop with the stock Debian tools).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/mypy fence_agents emulators
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
