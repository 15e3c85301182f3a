"""Helpers for the SAN tests: config, SNMP reads, the journal, and our agents as processes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulators.san.journal import read_journal
from fence_agents.transports.snmp import CommunitySession, SnmpTarget
from harness.pytest_plugin import Emulator
from harness.tools import our_tool, run

IF_ADMIN = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
SSH_OPTIONS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"


def san_config(state_dir: str, **extra: Any) -> dict[str, Any]:
    return {"state_dir": state_dir, "relay_delay": 0.0, "reboot_delay": 0.2, **extra}


def admin_status(san: Emulator, port: int) -> int:
    session = CommunitySession(SnmpTarget("127.0.0.1", san.port("snmp"), "2c", "public"))
    try:
        value = session.get(IF_ADMIN + (port,))
    finally:
        session.close()
    assert isinstance(value, int)
    return value


def journal(san: Emulator) -> list[dict[str, Any]]:
    return read_journal(Path(san.info["journal"]))


def fence_ifmib(san: Emulator, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Our fence_ifmib as a process, against the emulator's switch agent."""
    if stdin is not None:
        proc = run([our_tool("fence_ifmib")], stdin=stdin, timeout=60)
    else:
        base = ["-a", "127.0.0.1", "-u", str(san.port("snmp"))]
        proc = run([our_tool("fence_ifmib"), *base, *args], timeout=60)
    return proc.returncode, proc.stdout, proc.stderr
