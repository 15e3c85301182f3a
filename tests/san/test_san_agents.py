"""Our fence_ifmib and fence_brocade as processes (argv and stdin) against the SAN emulator, and faults."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from fence_agents.transports.telnet import TelnetChannel
from harness.pytest_plugin import Emulator, in_ci
from harness.tools import our_tool, run

from .helpers import SSH_OPTIONS, admin_status, fence_ifmib, san_config

SCHEMA = "/usr/share/cluster/relaxng/metadata.rng"
V3 = ["-d", "3", "-l", "admin", "-p", "fencelab-auth", "-b", "SHA", "-B", "AES", "-P", "fencelab-priv"]


def brocade(san: Emulator, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        proc = run([our_tool("fence_brocade")], stdin=stdin, timeout=60)
    else:
        base = ["-a", "127.0.0.1", "-u", str(san.port("telnet")), "-l", "admin", "-p", "password"]
        proc = run([our_tool("fence_brocade"), *base, *args], timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def test_ifmib_argv_status_off_on_list(fresh: Emulator) -> None:
    assert fence_ifmib(fresh, "-c", "private", "-n", "port4", "-o", "status")[:2] == (0, "Status: ON\n")
    assert fence_ifmib(fresh, "-c", "private", "-n", "port4")[:2] == (
        0,
        "Success: Powered OFF\n",
    )  # default off
    assert fence_ifmib(fresh, "-c", "private", "-n", "4", "-o", "status")[:2] == (2, "Status: OFF\n")
    assert admin_status(fresh, 4) == 2
    assert fence_ifmib(fresh, "-c", "private", "-n", "4", "-o", "enable")[:2] == (0, "Success: Powered ON\n")
    rc, out, _ = fence_ifmib(fresh, "-c", "public", "-o", "list-status")
    assert rc == 0 and out.splitlines()[:2] == ["port1,node1,ON", "port2,node2,ON"]


def test_ifmib_stdin_as_fenced_calls_it(fresh: Emulator) -> None:
    stdin = (
        f"agent=fence_ifmib\nnodename=node3\nipaddr=127.0.0.1\nipport={fresh.port('snmp')}\n"
        "community=private\nsnmp_version=1\nport=port3\naction=off\n"
    )
    assert fence_ifmib(fresh, stdin=stdin)[:2] == (0, "Success: Powered OFF\n")
    assert admin_status(fresh, 3) == 2
    assert fence_ifmib(fresh, stdin=stdin.replace("action=off", "action=on"))[:2] == (
        0,
        "Success: Powered ON\n",
    )


def test_ifmib_v3_and_read_only_principals(fresh: Emulator) -> None:
    assert fence_ifmib(fresh, *V3, "-n", "1", "-o", "off")[:2] == (0, "Success: Powered OFF\n")
    assert fence_ifmib(fresh, *V3, "-n", "1", "-o", "on")[:2] == (0, "Success: Powered ON\n")
    md5 = [
        "-d",
        "3",
        "-l",
        "admin-md5",
        "-p",
        "fencelab-auth",
        "-b",
        "MD5",
        "-B",
        "DES",
        "-P",
        "fencelab-priv",
    ]
    rc, out, err = fence_ifmib(fresh, *md5, "-n", "1", "-o", "status", "-v")
    assert (rc, out) == (0, "Status: ON\n") and "GET .1.3.6.1.2.1.2.2.1.7.1 -> 1" in err
    assert "fencelab-auth" not in err and "fencelab-priv" not in err  # -v never shows keys
    rc, _, err = fence_ifmib(fresh, *[("monitor" if a == "admin" else a) for a in V3], "-n", "1", "-o", "off")
    assert rc == 1 and "noAccess" in err and "fencelab" not in err
    rc, _, err = fence_ifmib(fresh, "-c", "public", "-n", "1", "-o", "off")
    assert rc == 1 and "noAccess" in err
    assert admin_status(fresh, 1) == 1


def test_ifmib_errors_are_one_line(fresh: Emulator) -> None:
    rc, _, err = fence_ifmib(fresh, "-c", "private", "-n", "nosuch", "-o", "status")
    assert rc == 1 and "Can't find port with name nosuch" in err and "Traceback" not in err
    rc, _, err = fence_ifmib(fresh, "-c", "private", "-n", "1", "-o", "reboot")
    assert rc == 1 and "Unrecognised action 'reboot'" in err
    quick = ["--login-timeout", "1", "--shell-timeout", "1"]
    rc, _, err = fence_ifmib(fresh, "-c", "wrong-community", *quick, "-n", "1", "-o", "status")
    assert rc == 1 and "timed out" in err.lower() and "wrong-community" not in err
    closed = run([our_tool("fence_ifmib"), "-a", "127.0.0.1", "-u", "9", "-c", "x", "-n", "1"], timeout=30)
    assert closed.returncode == 1 and "Unable to connect/login to fencing device" in closed.stderr  # at once
    meta = run([our_tool("fence_ifmib"), "-o", "metadata"], timeout=30).stdout
    assert '<action name="on" automatic="1"' in meta and '"reboot"' not in meta


@pytest.mark.parametrize("secure", [False, True], ids=["telnet", "ssh"])
def test_brocade_argv_off_on(fresh: Emulator, secure: bool) -> None:
    conn = ["-x", "-u", str(fresh.port("ssh")), f"--ssh-options={SSH_OPTIONS}"] if secure else []
    assert brocade(fresh, *conn, "-n", "2", "-o", "status")[:2] == (0, "Status: ON\n")
    assert brocade(fresh, *conn, "-n", "2", "-o", "off")[:2] == (0, "Success: Powered OFF\n")
    assert admin_status(fresh, 2) == 2
    assert brocade(fresh, *conn, "-n", "2", "-o", "on")[:2] == (0, "Success: Powered ON\n")
    rc, out, _ = brocade(fresh, *conn, "-o", "list")
    assert rc == 0 and out.splitlines()[0] == "1,10:00:00:00:c9:00:00:01"


def test_brocade_stdin_and_bad_password(fresh: Emulator) -> None:
    stdin = (
        f"ipaddr=127.0.0.1\nipport={fresh.port('telnet')}\nlogin=admin\npasswd=password\nport=3\naction=off\n"
    )
    assert brocade(fresh, stdin=stdin)[:2] == (0, "Success: Powered OFF\n")
    assert brocade(fresh, stdin=stdin.replace("action=off", "action=on"))[:2] == (0, "Success: Powered ON\n")
    rc, _, err = brocade(fresh, stdin=stdin.replace("passwd=password", "passwd=wrong-secret"))
    assert rc == 1 and "Unable to connect/login" in err and "wrong-secret" not in err


def test_cli_and_snmp_share_one_port_state(fresh: Emulator) -> None:
    assert brocade(fresh, "-n", "4", "-o", "off")[:2] == (0, "Success: Powered OFF\n")
    assert fence_ifmib(fresh, "-c", "public", "-n", "4", "-o", "status")[:2] == (2, "Status: OFF\n")
    assert fence_ifmib(fresh, "-c", "private", "-n", "4", "-o", "on")[:2] == (0, "Success: Powered ON\n")
    assert brocade(fresh, "-n", "4", "-o", "status")[:2] == (0, "Status: ON\n")


def test_faults_stuck_port_lie_hang_refused_login(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    faults = [
        {"kind": "stuck", "plugs": ["port1"]},
        {"kind": "lie", "plugs": ["port2"], "state": "off"},
        {"kind": "hang", "command": "portcfgpersistentdisable"},
        {"kind": "refuse-login", "after": 2, "times": 1},
        {"kind": "hang", "command": "snmp-set", "after": 1},  # the first SET (port1, stuck) is answered
    ]
    san = emulator("san", config=san_config(str(tmp_path), faults=faults, ssh_port=False), timeout=20.0)
    quick = ["--power-timeout", "1", "--stonith-status-sleep", "0.2"]
    rc, _, err = fence_ifmib(san, "-c", "private", *quick, "-n", "1", "-o", "off")
    assert rc == 1 and "Timed out waiting to power OFF" in err  # the verify loop caught the stuck port
    assert fence_ifmib(san, "-c", "private", "-n", "2", "-o", "status")[:2] == (2, "Status: OFF\n")  # the lie
    fast = ["--login-timeout", "0.5", "--shell-timeout", "0.5"]
    rc, _, err = fence_ifmib(san, "-c", "private", *fast, "-n", "3", "-o", "off")  # the agent never answers
    assert rc == 1 and "timed out" in err.lower()
    rc, _, err = brocade(san, *quick, "-n", "3", "-o", "off")  # login 1: the disable command hangs
    assert rc == 1 and "timed out" in err.lower()
    assert brocade(san, "-n", "3", "-o", "status")[:2] == (0, "Status: ON\n")  # login 2: fine
    rc, _, err = brocade(san, "-n", "3", "-o", "status")  # login 3 is refused, once
    assert rc == 1 and "Unable to connect/login" in err


def test_cli_reboot_keeps_only_persistent_disables(fresh: Emulator) -> None:
    def session() -> TelnetChannel:
        channel = TelnetChannel.open("127.0.0.1", fresh.port("telnet"), 5.0, logging.getLogger("test"))
        channel.expect([r"login: "], 5.0)
        channel.sendline("admin")
        channel.expect([r"Password: "], 5.0)
        channel.sendline("password")
        channel.expect([r"sw0:admin> "], 5.0)
        return channel

    channel = session()
    for command in ("portdisable 6", "portCfgPersistentDisable 7"):
        channel.sendline(command)
        channel.expect([r"sw0:admin> "], 5.0)
    channel.sendline("reboot")
    channel.expect([r"going down for reboot"], 5.0)
    channel.close()
    channel = session()
    channel.sendline("switchshow")
    table = channel.expect([r"sw0:admin> "], 5.0).before
    channel.close()
    rows = {line.split()[0]: line for line in table.splitlines() if line.strip()[:1].isdigit()}
    assert "Disabled" not in rows["6"] and rows["7"].endswith("Disabled (Persistent)")
    assert admin_status(fresh, 6) == 1 and admin_status(fresh, 7) == 2


@pytest.mark.parametrize("agent", ["fence_ifmib", "fence_brocade"])
def test_metadata_is_valid_and_fabric(agent: str) -> None:
    from lxml import etree

    if not Path(SCHEMA).is_file():
        reason = f"{SCHEMA} not found: apt-get install fence-agents"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    schema = etree.RelaxNG(etree.parse(SCHEMA))
    proc = run([our_tool(agent)], stdin="action=metadata\n", timeout=30)  # as Pacemaker asks
    doc = etree.fromstring(proc.stdout.encode())
    assert proc.returncode == 0 and schema.validate(doc), schema.error_log
    actions = {a.get("name"): a.get("automatic") for a in doc.iter("action")}
    assert actions["on"] == "1" and "reboot" not in actions
