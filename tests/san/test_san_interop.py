"""Third-party programs against the SAN emulator: stock fence agents and net-snmp (v1, v2c, v3)."""

from __future__ import annotations

import pytest

from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .helpers import SSH_OPTIONS, admin_status

pytestmark = pytest.mark.interop

IF_ADMIN_1 = ".1.3.6.1.2.1.2.2.1.7.1"
V3_ADMIN = ["-v3", "-u", "admin", "-l", "authPriv", "-a", "SHA", "-A", "fencelab-auth", "-x", "AES", "-X"]
V3_MD5 = ["-v3", "-u", "admin-md5", "-l", "authPriv", "-a", "MD5", "-A", "fencelab-auth", "-x", "DES", "-X"]
V3_RO = ["-v3", "-u", "monitor", "-l", "authPriv", "-a", "SHA", "-A", "fencelab-auth", "-x", "AES", "-X"]


def snmp(tool: str, san: Emulator, *args: str) -> tuple[int, str]:
    proc = run([require_tool(tool), "-m", "", "-Oeqn", *args], timeout=30)
    return proc.returncode, proc.stdout + proc.stderr


def target(san: Emulator) -> str:
    return f"127.0.0.1:{san.port('snmp')}"


@pytest.mark.parametrize("action", ["list", "status", "off", "on"])
def test_stock_fence_ifmib(fresh: Emulator, action: str) -> None:
    base = [require_tool("fence_ifmib"), "-a", "127.0.0.1", "-u", str(fresh.port("snmp")), "-c", "private"]
    if action == "on":
        run([*base, "-n", "port2", "-o", "off"], timeout=60)
    proc = run([*base, "-n", "port2", "-o", action], timeout=60)
    expected = {
        "list": "port1,node1\nport2,node2\n",
        "status": "Status: ON\n",
        "off": "Success: Powered OFF\n",
        "on": "Success: Powered ON\n",
    }[action]
    assert (proc.returncode, proc.stdout[: len(expected)]) == (0, expected), proc.stderr
    assert admin_status(fresh, 2) == (2 if action == "off" else 1)


def test_stock_fence_ifmib_snmp_v3(fresh: Emulator) -> None:
    v3 = ["-d", "3", "-l", "admin", "-p", "fencelab-auth", "-b", "SHA", "-E", "authPriv", "-B", "AES"]
    base = [require_tool("fence_ifmib"), "-a", "127.0.0.1", "-u", str(fresh.port("snmp")), *v3]
    base += ["-P", "fencelab-priv", "-n", "port3"]
    outcomes = [run([*base, "-o", a], timeout=60) for a in ("off", "status", "on")]
    expected = ["Success: Powered OFF\n", "Status: OFF\n", "Success: Powered ON\n"]
    assert [p.stdout for p in outcomes] == expected


@pytest.mark.parametrize("secure", [False, True], ids=["telnet", "ssh"])
def test_stock_fence_brocade(fresh: Emulator, secure: bool) -> None:
    conn = ["-x", "-u", str(fresh.port("ssh")), f"--ssh-options={SSH_OPTIONS}"] if secure else []
    if not secure:
        conn = ["-u", str(fresh.port("telnet"))]
    base = [
        require_tool("fence_brocade"),
        "-a",
        "127.0.0.1",
        *conn,
        "-l",
        "admin",
        "-p",
        "password",
        "-n",
        "3",
    ]
    listed = run([*base, "-o", "list"], timeout=60)
    assert listed.returncode == 0 and "3," in listed.stdout.split()
    outcomes = [run([*base, "-o", a], timeout=60) for a in ("status", "off", "status", "on", "status")]
    assert [p.returncode for p in outcomes] == [0, 0, 2, 0, 0], [p.stderr for p in outcomes]
    assert outcomes[1].stdout == "Success: Powered OFF\n" and outcomes[2].stdout == "Status: OFF\n"
    assert admin_status(fresh, 3) == 1


def test_stock_fence_apc_snmp_powers_pdu_outlets(san: Emulator) -> None:
    base = [require_tool("fence_apc_snmp"), "-a", "127.0.0.1", "-u", str(san.port("pdu_snmp")), "-n", "4"]
    listed = run([*base, "-o", "list"], timeout=60)
    assert "4,node4" in listed.stdout.splitlines()
    results = [run([*base, "-o", a], timeout=60) for a in ("off", "status", "on", "status", "reboot")]
    assert [p.returncode for p in results] == [0, 2, 0, 0, 0], [p.stderr for p in results]
    assert results[0].stdout == "Success: Powered OFF\n" and results[4].stdout == "Success: Rebooted\n"
    v2 = run([*base[:-2], "-d", "2c", "-c", "private", "-n", "node3", "-o", "status"], timeout=60)
    assert v2.stdout == "Status: ON\n"


def test_net_snmp_v2c_get_walk_bulkwalk(san: Emulator) -> None:
    rc, out = snmp(
        "snmpget", san, "-v2c", "-c", "public", target(san), ".1.3.6.1.2.1.1.2.0", ".1.3.6.1.2.1.1.5.0"
    )
    assert rc == 0 and out.splitlines() == [
        ".1.3.6.1.2.1.1.2.0 .1.3.6.1.4.1.1588.2.1.1.1",
        '.1.3.6.1.2.1.1.5.0 "sw0"',
    ]
    rc, out = snmp("snmpwalk", san, "-v2c", "-c", "public", target(san), ".1.3.6.1.2.1.31.1.1.1.18")
    assert rc == 0 and "No more variables" not in out and '.1.3.6.1.2.1.31.1.1.1.18.1 "node1"' in out
    rc, out = snmp("snmpbulkwalk", san, "-v2c", "-c", "public", target(san), ".1.3.6.1.2.1.2.2.1.2")
    assert rc == 0 and len(out.splitlines()) == len(san.info["switch_ports"])
    rc, out = snmp("snmpwalk", san, "-v1", "-c", "public", target(san), ".1.3.6.1.2.1.2.2.1.8")
    assert rc == 0 and out.splitlines()[0] == ".1.3.6.1.2.1.2.2.1.8.1 1"


def test_net_snmp_read_only_community_is_refused_writes(fresh: Emulator) -> None:
    """pysnmp's VACM defect would let an empty write view write anything; the agent must refuse."""
    rc, out = snmp("snmpset", fresh, "-v2c", "-c", "public", target(fresh), IF_ADMIN_1, "i", "2")
    assert rc != 0 and "noAccess" in out
    rc, out = snmp("snmpset", fresh, "-v1", "-c", "public", target(fresh), IF_ADMIN_1, "i", "2")
    assert rc != 0 and "noSuchName" in out  # the v1 mapping of noAccess
    rc, out = snmp("snmpset", fresh, *V3_RO, "fencelab-priv", target(fresh), IF_ADMIN_1, "i", "2")
    assert rc != 0 and "noAccess" in out
    assert admin_status(fresh, 1) == 1


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ((IF_ADMIN_1, "s", "down"), "wrongType"),
        ((IF_ADMIN_1, "i", "3"), "wrongValue"),
        ((".1.3.6.1.2.1.2.2.1.8.1", "i", "2"), "notWritable"),
        ((".1.3.6.1.2.1.2.2.1.7.99", "i", "2"), "noCreation"),
        ((".1.3.6.1.2.1.31.1.1.1.18.1", "s", "x" * 65), "wrongLength"),
    ],
)
def test_net_snmp_set_errors(fresh: Emulator, args: tuple[str, ...], reason: str) -> None:
    rc, out = snmp("snmpset", fresh, "-v2c", "-c", "private", target(fresh), *args)
    assert rc != 0 and reason in out


def test_net_snmp_v3_auth_priv_get_set_walk(fresh: Emulator) -> None:
    rc, out = snmp("snmpset", fresh, *V3_ADMIN, "fencelab-priv", target(fresh), IF_ADMIN_1, "i", "2")
    assert rc == 0 and out.strip() == f"{IF_ADMIN_1} 2"
    rc, out = snmp("snmpget", fresh, *V3_MD5, "fencelab-priv", target(fresh), ".1.3.6.1.2.1.2.2.1.8.1")
    assert rc == 0 and out.strip() == ".1.3.6.1.2.1.2.2.1.8.1 2"  # oper status followed admin
    rc, out = snmp("snmpbulkwalk", fresh, *V3_RO, "fencelab-priv", target(fresh), ".1.3.6.1.2.1.2.2.1.7")
    assert rc == 0 and out.splitlines()[0] == f"{IF_ADMIN_1} 2"
    rc, out = snmp(
        "snmpget", fresh, *V3_ADMIN, "wrong-priv-key", "-t", "0.5", "-r", "0", target(fresh), IF_ADMIN_1
    )
    assert rc != 0
