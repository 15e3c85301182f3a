#!/usr/bin/env bash
# Set up a fresh Debian 12 machine (as root) for fencelab: the Debian programs the interop tests drive,
# and a virtualenv (.venv) with fencelab and its test tools. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(fence-agents ipmitool snmp telnet openssh-client openipmi qemu-utils pacemaker-cli-utils pacemaker corosync resource-agents libxml2-utils iproute2 e2fsprogs util-linux psmisc python3-venv slapd ldap-utils curl kmod nftables iptables)

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
    # slapd is for the tests, which run their own servers: the system service must not start (its
    # postinst would start it through invoke-rc.d), so deny service starts for this install if nothing does
    own_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ -n "$own_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if [ -x /etc/init.d/slapd ] && [ "$(id -u)" -eq 0 ]; then
    # ...and it stays off at boot too (no debconf questions were asked: DEBIAN_FRONTEND=noninteractive)
    update-rc.d slapd disable >/dev/null 2>&1 || true
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
        systemctl disable --now slapd >/dev/null 2>&1 || true
    fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# FENCELAB_INSTALL=editable (default, for development: edits take effect at once) or wheel (as a user
# installs it: build the wheel, install it non-editable and byte-compiled; scripts/test.sh uses this).
mode=${FENCELAB_INSTALL:-editable}
stamp=.venv/.fencelab-installed
case "$mode" in
editable)
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$(cat "$stamp")" != editable ]; then
        .venv/bin/python -m pip install -q --upgrade pip >/dev/null
        .venv/bin/python -m pip uninstall -q -y fencelab >/dev/null 2>&1 || true
        # compat mode: a plain path entry, not an import-hook finder that costs every agent start ~20 ms
        .venv/bin/python -m pip install -q -e '.[test]' --config-settings editable_mode=compat
        echo editable >"$stamp"
    fi
    ;;
wheel)
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    rm -rf build/wheel build/lib build/bdist.*
    .venv/bin/python -m pip wheel -q --no-deps -w build/wheel .
    wheel=$(ls build/wheel/fencelab-*.whl)
    .venv/bin/python -m pip uninstall -q -y fencelab >/dev/null 2>&1 || true
    .venv/bin/python -m pip install -q --compile "${wheel}[test]"
    echo wheel >"$stamp"
    ;;
*)
    echo "setup: FENCELAB_INSTALL must be editable or wheel, not '$mode'" >&2
    exit 2
    ;;
esac
