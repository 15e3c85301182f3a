#!/usr/bin/env bash
# Run every test of fencelab on a fresh Debian 12 machine: set-up, lint, then the whole pytest suite
# (unit, integration against the emulators, interop with the stock Debian tools).
#
# The suite runs against fencelab as a user installs it: the wheel, installed non-editable and byte-compiled
# into .venv (FENCELAB_INSTALL=editable bash scripts/test.sh runs it against the source tree instead).
# pytest is started as .venv/bin/pytest (not `python -m pytest`, which puts the checkout on sys.path) and
# PYTHONSAFEPATH keeps every Python child (agents, emulators, node daemons started with cwd=checkout) from
# importing the checkout; tests/test_installed.py checks both when FENCELAB_TEST_INSTALL=wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
export FENCELAB_INSTALL=${FENCELAB_INSTALL:-wheel}
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check --quiet fence_agents emulators harness cluster tests
.venv/bin/mypy fence_agents emulators cluster harness
export FENCELAB_TEST_INSTALL=$FENCELAB_INSTALL
if [ "$FENCELAB_INSTALL" = wheel ]; then
    export PYTHONSAFEPATH=1
fi
exec .venv/bin/pytest -q -p no:cacheprovider --rootdir="$PWD" "$@"
