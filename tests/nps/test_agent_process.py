"""fence_nps as a separate process against the NPS emulator over telnet, ssh and serial, by argv and stdin."""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.pytest_plugin import Emulator

from .test_agent_support import TRANSPORTS, by_argv, fence_nps, password_script, plug_states, transport_stdin

CONFIG = {
    "relay_delay": 0,
    "boot_delay": 0,
    "serial": True,
    "plugs": [
        {"name": "iscsi1"},
        {"name": "iscsi2"},
        {"name": "web", "state": "off"},
        {"name": "db"},
    ],
    "groups": {"nodes": [1, 2], "spare": [3]},
}


@pytest.fixture
def device(emulator: Callable[..., Emulator]) -> Emulator:
    """A running NPS emulator configured for these tests (CONFIG)."""
    return emulator("nps", config=CONFIG)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_actions_by_argv(device: Emulator, transport: str) -> None:
    status = by_argv(device, transport, "-n", "1", "-o", "status")
    assert (status.rc, status.out) == (0, "Status: ON\n")
    off = by_argv(device, transport, "-n", "1", "-o", "off")
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n")
    status = by_argv(device, transport, "-n", "1", "-o", "status")
    assert (status.rc, status.out) == (2, "Status: OFF\n")
    again = by_argv(device, transport, "-n", "1", "-o", "off")
    assert (again.rc, again.out) == (0, "Success: Already OFF\n")
    on = by_argv(device, transport, "-n", "1", "-o", "on")
    assert (on.rc, on.out) == (0, "Success: Powered ON\n")
    reboot = by_argv(device, transport, "-n", "2")  # the default action
    assert (reboot.rc, reboot.out) == (0, "Success: Rebooted\n")
    cycle = by_argv(device, transport, "-n", "4", "-o", "reboot", "--method", "cycle")
    assert (cycle.rc, cycle.out) == (0, "Success: Rebooted\n")
    assert plug_states(device, transport) == {
        "1": "ON", "2": "ON", "3": "OFF", "4": "ON", "nodes": "ON", "spare": "OFF",
    }  # fmt: skip


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_list_and_list_status(device: Emulator, transport: str) -> None:
    listed = by_argv(device, transport, "-o", "list")
    assert listed.rc == 0
    assert listed.out.splitlines() == ["1,iscsi1", "2,iscsi2", "3,web", "4,db", "nodes,nodes", "spare,spare"]
    status = by_argv(device, transport, "-o", "list-status", "-C", ";")
    assert status.out.splitlines()[:4] == ["1;iscsi1;ON", "2;iscsi2;ON", "3;web;OFF", "4;db;ON"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_by_stdin(device: Emulator, transport: str) -> None:
    stdin = (
        transport_stdin(device, transport) + "passwd=redhat123\nport=iscsi2\naction=off\nagent=fence_nps\n"
    )
    stdin += "disable_timeout=true\n"  # power_timeout 0: poll without limit, as under Pacemaker
    off = fence_nps(stdin=stdin)
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    status = fence_nps(stdin=stdin.replace("action=off", "action=status"))
    assert (status.rc, status.out) == (2, "Status: OFF\n")
    assert plug_states(device)["2"] == "OFF"


def test_names_and_groups_as_plugs(device: Emulator) -> None:
    assert by_argv(device, "telnet", "-n", "ISCSI2", "-o", "off").out == "Success: Powered OFF\n"
    assert plug_states(device)["2"] == "OFF"
    group = by_argv(device, "telnet", "-n", "nodes", "-o", "status")
    assert (group.rc, group.out) == (0, "Status: ON\n")  # a group is on while any member is on
    off = by_argv(device, "telnet", "-n", "nodes", "-o", "off")
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n")
    states = plug_states(device)
    assert (states["1"], states["2"], states["nodes"]) == ("OFF", "OFF", "OFF")
    several = by_argv(device, "telnet", "-n", "web,db", "-o", "status")
    assert (several.rc, several.out) == (0, "Status: ON\n")  # db is on
    unknown = by_argv(device, "telnet", "-n", "nosuch", "-o", "status")
    assert unknown.rc == 1
    assert unknown.error_lines[-1].endswith(
        "Failed: Unable to obtain correct plug status or plug is not available"
    )


def test_exact_seed_stdin(emulator: Callable[..., Emulator]) -> None:
    """fenced's stdin from the seed cluster.conf: telnet port 23, no login, no action (reboot)."""
    host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
    device = emulator("nps", config={**CONFIG, "host": host, "telnet_port": 23, "ssh_port": False})
    seed = f"port=1\nnodename=iscsi1\nagent=fence_nps\nipaddr={host}\npasswd=redhat123\n"
    result = fence_nps(stdin=seed)
    assert (result.rc, result.out) == (0, "Success: Rebooted\n"), result.err
    assert plug_states_at(device, host)["1"] == "ON"


def plug_states_at(device: Emulator, host: str) -> dict[str, str]:
    result = fence_nps(["-a", host, "-S", password_script("redhat123"), "-o", "list-status"])
    return {line.split(",")[0]: line.split(",")[2] for line in result.out.splitlines()}


@pytest.mark.parametrize("transport", ["telnet", "serial"])
def test_wrong_password_fails_fast(device: Emulator, transport: str) -> None:
    result = by_argv(device, transport, "-n", "1", "-o", "status", password="wrong")
    assert result.rc == 1
    assert result.error_lines == [result.error_lines[0]] and result.error_lines[0].endswith(
        "Unable to connect/login to fencing device"
    )
    assert result.seconds < 3.0  # the device said no: we do not wait for the 10 s login timeout


def test_wrong_password_ssh(device: Emulator) -> None:
    """The ssh front end refuses the password in the ssh handshake itself."""
    result = by_argv(device, "ssh", "-n", "1", "-o", "status", password="wrong")
    assert result.rc == 1
    assert result.error_lines[-1].endswith("Unable to connect/login to fencing device")
    assert result.seconds < 3.0


def test_password_never_shown(device: Emulator) -> None:
    for transport in TRANSPORTS:
        result = by_argv(device, transport, "-n", "1", "-o", "status", "-v", "-v", password="redhat123")
        assert result.rc == 0
        assert "ssh send" in result.err or "telnet send" in result.err or "serial send" in result.err
        assert "redhat123" not in result.err + result.out


def test_user_and_password_login_and_custom_prompt(emulator: Callable[..., Emulator]) -> None:
    device = emulator(
        "nps", config={"relay_delay": 0, "users": {"admin": "s3cret"}, "prompt": "IPS>", "ssh_port": False}
    )
    ok = by_argv(device, "telnet", "-l", "admin", "-n", "1", "-o", "status", password="s3cret")
    assert (ok.rc, ok.out) == (0, "Status: ON\n"), ok.err
    no_user = by_argv(device, "telnet", "-n", "1", "-o", "status", password="s3cret")
    assert no_user.rc == 1 and "Failed: You have to set login name" in no_user.err
    custom = by_argv(
        device, "telnet", "-l", "admin", "-c", "IPS>", "-n", "1", "-o", "status", password="s3cret"
    )
    assert custom.rc == 0
    wrong_prompt = by_argv(
        device, "telnet", "-l", "admin", "-c", "XYZ>", "--login-timeout", "1", "-n", "1", "-o", "status",
        password="s3cret",
    )  # fmt: skip
    assert wrong_prompt.rc == 1 and wrong_prompt.seconds < 3.0


def test_paged_status(emulator: Callable[..., Emulator]) -> None:
    device = emulator("nps", config={"relay_delay": 0, "plugs": 20, "page_rows": 6, "ssh_port": False})
    result = by_argv(device, "telnet", "-n", "19", "-o", "off")
    assert (result.rc, result.out) == (0, "Success: Powered OFF\n")
    states = plug_states(device)
    assert len(states) == 20 and states["19"] == "OFF" and states["20"] == "ON"


def test_nothing_listening_fails_fast() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: the connection is refused
        port = sock.getsockname()[1]
        argv = ["-a", "127.0.0.1", "-u", str(port), "-S", password_script("x"), "-n", "1", "-o", "status"]
        result = fence_nps(argv)
    assert result.rc == 1
    assert len(result.error_lines) == 1 and result.error_lines[0].endswith(
        "Unable to connect/login to fencing device"
    )
    assert result.seconds < 3.0


def test_name_shared_by_two_plugs_switches_both(emulator: Callable[..., Emulator]) -> None:
    config = {
        "relay_delay": 0,
        "ssh_port": False,
        "plugs": [{"name": "web"}, {"name": "db"}, {"name": "WEB"}],
    }
    device = emulator("nps", config=config)
    off = by_argv(device, "telnet", "-n", "web", "-o", "off")
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    assert plug_states(device) == {"1": "OFF", "2": "ON", "3": "OFF"}


def test_ssh_strict_host_key_checking_refuses_unknown_host(device: Emulator, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    options = f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={known}"
    stdin = (
        transport_stdin(device, "ssh") + f"passwd=redhat123\nport=1\naction=status\nssh_options={options}\n"
    )
    result = fence_nps(stdin=stdin)
    assert result.rc == 1
    assert result.error_lines[-1].endswith("Unable to connect/login to fencing device")
