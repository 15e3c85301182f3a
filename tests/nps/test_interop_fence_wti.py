"""The stock fence_wti (Debian fence-agents) against our NPS emulator, over telnet and over ssh.

fence_wti runs as its own process, fed on stdin the way fenced feeds it (the password never in its argv).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from harness.pytest_plugin import Emulator, require_tool, start_emulator
from harness.tools import run

pytestmark = pytest.mark.interop

SSH_OPTIONS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
GROUPS = {"web": [1, 2], "db": [3]}


@pytest.fixture(scope="module")
def device() -> Iterator[Emulator]:
    """An NPS emulator with groups for the module; it must stop cleanly (exit 0) at the end."""
    dev = start_emulator("nps", config={"relay_delay": 0, "boot_delay": 0, "groups": GROUPS})
    yield dev
    assert dev.stop() == 0


@pytest.fixture(params=["telnet", "ssh"])
def wti(request: pytest.FixtureRequest, device: Emulator) -> Callable[..., tuple[int, str]]:
    """Run stock fence_wti with stdin options; returns (exit code, stdout + stderr)."""
    path = require_tool("fence_wti")
    if request.param == "ssh":
        require_tool("ssh")
    transport = request.param

    def call(**options: str) -> tuple[int, str]:
        opts = {"ip": device.host, "password": device.credentials["password"], "power_wait": "0",
                "shell_timeout": "3", "login_timeout": "5", **options}  # fmt: skip
        if transport == "ssh":
            opts.update(ssh="1", ipport=str(device.port("ssh")), username="admin", ssh_options=SSH_OPTIONS)
        else:
            opts["ipport"] = str(device.port("telnet"))
        stdin = "".join(f"{k}={v}\n" for k, v in opts.items())
        result = run([path], stdin=stdin, timeout=60)
        return result.returncode, result.stdout + result.stderr

    return call


def test_status_on_off_reboot(wti: Callable[..., tuple[int, str]]) -> None:
    assert wti(port="4", action="on")[0] == 0
    assert wti(port="4", action="status") == (0, "Status: ON\n")
    assert wti(port="4", action="off") == (0, "Success: Powered OFF\n")
    assert wti(port="4", action="status") == (2, "Status: OFF\n")  # the API: OFF exits 2
    assert wti(port="4", action="off") == (0, "Success: Already OFF\n")
    assert wti(port="4", action="on") == (0, "Success: Powered ON\n")
    assert wti(port="4", action="reboot") == (0, "Success: Rebooted\n")
    assert wti(port="4", action="status") == (0, "Status: ON\n")


def test_groups_as_plugs(wti: Callable[..., tuple[int, str]]) -> None:
    assert wti(port="db", action="off") == (0, "Success: Powered OFF\n")
    assert wti(port="db", action="status") == (2, "Status: OFF\n")
    assert wti(port="db", action="on") == (0, "Success: Powered ON\n")
    assert wti(port="web", action="status") == (0, "Status: ON\n")


def test_list_and_list_status(wti: Callable[..., tuple[int, str]], device: Emulator) -> None:
    code, out = wti(action="list")
    assert code == 0
    lines = out.splitlines()
    assert lines[:8] == [f"{n},outlet{n}" for n in range(1, 9)]  # the stock agent lower-cases the cells
    assert sorted(lines[8:]) == ["db,db", "web,web"]
    assert wti(port="8", action="off")[0] == 0
    code, out = wti(action="list-status")
    assert code == 0
    assert "8,outlet8,off" in out.splitlines() and "1,outlet1,on" in out.splitlines()
    assert wti(port="8", action="on")[0] == 0


def test_unknown_plug_fails(wti: Callable[..., tuple[int, str]]) -> None:
    code, out = wti(port="99", action="status")
    assert code == 1 and "Failed: Unable to obtain correct plug status or plug is not available" in out


def test_wrong_password_fails_within_the_login_timeout(wti: Callable[..., tuple[int, str]]) -> None:
    began = time.monotonic()
    code, out = wti(port="1", action="status", password="wrong", shell_timeout="1", login_timeout="2")
    assert code == 1 and "Unable to connect/login to fencing device" in out
    assert time.monotonic() - began < 8  # login timeout 2 s (telnet: shell timeout 1 s) + process start-up


def test_relay_delay_is_waited_for(emulator: Callable[..., Emulator]) -> None:
    """With a 1.5 s relay the stock agent's verify loop sees OFF only after polling again."""
    path = require_tool("fence_wti")
    dev = emulator("nps", config={"relay_delay": 1.5, "ssh_port": False})
    stdin = (
        f"ip={dev.host}\nipport={dev.port('telnet')}\npassword=redhat123\nport=2\naction=off\npower_wait=0\n"
    )
    began = time.monotonic()
    result = run([path], stdin=stdin, timeout=60)
    assert (result.returncode, result.stdout) == (0, "Success: Powered OFF\n")
    assert time.monotonic() - began >= 1.5


def test_stuck_relay_times_out(emulator: Callable[..., Emulator]) -> None:
    path = require_tool("fence_wti")
    dev = emulator("nps", config={"relay_delay": 0, "ssh_port": False}, args=["--fault", "stuck:plugs=3"])
    stdin = (f"ip={dev.host}\nipport={dev.port('telnet')}\npassword=redhat123\nport=3\naction=off\n"
             "power_wait=0\npower_timeout=2\n")  # fmt: skip
    result = run([path], stdin=stdin, timeout=60)
    assert (
        result.returncode == 1 and "Failed: Timed out waiting to power OFF" in result.stdout + result.stderr
    )


def test_paged_status_and_user_login(emulator: Callable[..., Emulator]) -> None:
    """20 plugs on two /S pages (the stock agent follows one ``Enter: ``), and an IPS-style user login."""
    path = require_tool("fence_wti")
    plugs = [{"name": f"node{n}", "state": "off" if n == 18 else "on"} for n in range(1, 21)]
    dev = emulator("nps", config={"relay_delay": 0, "ssh_port": False, "plugs": plugs, "page_rows": 12,
                                  "users": {"operator": "pw-ips"}, "prompt": "IPS>"})  # fmt: skip
    common = f"ip={dev.host}\nipport={dev.port('telnet')}\nusername=operator\npassword=pw-ips\n"
    result = run([path], stdin=common + "port=18\naction=status\n", timeout=60)
    assert (result.returncode, result.stdout) == (2, "Status: OFF\n")
    result = run([path], stdin=common + "action=list\n", timeout=60)
    assert result.returncode == 0 and result.stdout.splitlines() == [f"{n},node{n}" for n in range(1, 21)]


def test_wrong_prompt_fails_login(emulator: Callable[..., Emulator]) -> None:
    path = require_tool("fence_wti")
    dev = emulator("nps", config={"ssh_port": False, "faults": [{"kind": "wrong-prompt", "text": "SYS>"}]})
    stdin = f"ip={dev.host}\nipport={dev.port('telnet')}\npassword=redhat123\nport=1\naction=status\n"
    stdin += "shell_timeout=1\n"
    result = run([path], stdin=stdin, timeout=60)
    assert result.returncode == 1 and "Unable to connect/login to fencing device" in result.stderr
