"""The SAN ready line carries what a client needs to log in: the SNMPv3 users with their passphrases."""

from __future__ import annotations

import tempfile

import pytest

from harness.pytest_plugin import require_tool, start_emulator
from harness.tools import run

from .helpers import san_config

pytestmark = pytest.mark.interop  # net-snmp logs in with what the ready line says

USER = {"name": "fencer", "auth": "sha", "auth_key": "auth-pass-1", "priv": "aes", "priv_key": "priv-pass-1"}


def test_snmpv3_users_and_passphrases_are_in_the_ready_line() -> None:
    with tempfile.TemporaryDirectory(prefix="fencelab-san-ready-") as state:
        with start_emulator("san", {**san_config(state), "snmp_users": [USER]}, timeout=20.0) as san:
            user = san.info["snmp_users"]["fencer"]
            assert user == {
                "level": "authPriv", "auth": "sha", "auth_key": "auth-pass-1", "priv": "aes",
                "priv_key": "priv-pass-1", "access": "rw",
            }  # fmt: skip
            argv = [
                require_tool("snmpget"), "-v3", "-l", user["level"], "-u", "fencer",
                "-a", user["auth"].upper(), "-A", user["auth_key"], "-x", user["priv"].upper(),
                "-X", user["priv_key"], "-On", f"127.0.0.1:{san.port('snmp')}", "1.3.6.1.2.1.1.5.0",
            ]  # fmt: skip
            done = run(argv, timeout=30)
            assert done.returncode == 0 and ".1.3.6.1.2.1.1.5.0 = STRING:" in done.stdout, done.stderr
