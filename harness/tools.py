"""Finding and running programs as separate processes: our agents and the stock third-party tools."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

# Debian package that provides each third-party program the interop tests use.
DEBIAN_PACKAGE = {
    "fence_wti": "fence-agents",
    "fence_ipmilan": "fence-agents",
    "fence_ifmib": "fence-agents",
    "fence_brocade": "fence-agents",
    "fence_apc_snmp": "fence-agents",
    "ipmitool": "ipmitool",
    "ipmi_sim": "openipmi",
    "snmpget": "snmp",
    "snmpset": "snmp",
    "snmpwalk": "snmp",
    "snmpbulkwalk": "snmp",
    "telnet": "telnet",
    "ssh": "openssh-client",
    "qemu-io": "qemu-utils",
    "qemu-nbd": "qemu-utils",
    "nbdinfo": "libnbd-bin",
    "stonith_admin": "pacemaker-cli-utils",
    "cibadmin": "pacemaker-cli-utils",
    "crm_attribute": "pacemaker-cli-utils",
    "crm_verify": "pacemaker-cli-utils",
    "crm_simulate": "pacemaker-cli-utils",
    "crm_resource": "pacemaker-cli-utils",
    "crm_mon": "pacemaker-cli-utils",
    "pacemakerd": "pacemaker",
    "corosync": "corosync",
    "ocf-tester": "resource-agents",
    "xmllint": "libxml2-utils",
    "mkfs.ext4": "e2fsprogs",
    "runuser": "util-linux",
    "slapd": "slapd",
    "slapadd": "slapd",
    "ldapadd": "ldap-utils",
    "ldapmodify": "ldap-utils",
    "ldapsearch": "ldap-utils",
    "fence_redfish": "fence-agents",
    "curl": "curl",
}

STOCK_DIRS = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


def stock_tool(name: str) -> str | None:
    """Path of a third-party program from Debian (never one of ours of the same name)."""
    for d in STOCK_DIRS:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


def our_tool(name: str) -> str:
    """Path of one of our console scripts, next to the running interpreter (the virtualenv's bin)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed in this virtualenv: bash scripts/setup.sh")
    return found


def missing_reason(name: str) -> str:
    pkg = DEBIAN_PACKAGE.get(name, "?")
    return f"{name} not found: apt-get install {pkg}"


def run(
    argv: Sequence[str],
    stdin: str | None = None,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a program to completion with a deadline; text in, text out."""
    full_env = {**os.environ, "LANG": "C", "LC_ALL": "C", **(env or {})}
    return subprocess.run(
        list(argv),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        check=False,
    )


def pid_running(pid: int) -> bool:
    """True while process ``pid`` exists and is not a zombie (a SIGKILLed child lingers as one until its
    parent reaps it, but runs no code). Linux /proc; the name field may hold spaces and ')'."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")
