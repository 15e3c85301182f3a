#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (as root) for fencelab: the Debian programs the interop tests drive,
# and a virtualenv (.venv) with fencelab and its test tools. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(fence-agents ipmitool snmp telnet openssh-client openipmi qemu-utils pacemaker-cli-utils resource-agents libxml2-utils iproute2 e2fsprogs util-linux psmisc)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: need root to install Debian packages: ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.fencelab-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    # compat mode: a plain path entry, not an import-hook finder that costs every agent start ~20 ms
    .venv/bin/python -m pip install -q -e '.[test]' --config-settings editable_mode=compat
    touch "$stamp"
fi
