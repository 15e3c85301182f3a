"""`fencelab emulate nps` as a process: the JSON ready line, clean stop, config errors; pytest fixtures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from emulators.base.testing import TelnetTestClient, process_gone, wait_until
from harness.pytest_plugin import Emulator, emulate_command, to_toml


def emulate(args: list[str], timeout: float = 10.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(emulate_command("nps", args), capture_output=True, text=True, timeout=timeout)


def test_ready_line_and_clean_stop_on_sigterm_and_sigint() -> None:
    for sig in (signal.SIGTERM, signal.SIGINT):
        began = time.monotonic()
        proc = subprocess.Popen(
            emulate_command("nps", ["--plugs", "4", "--serial", "--off", "2"]),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert time.monotonic() - began < 5  # interpreter start included; the server itself is ~50 ms
        assert info["device"] == "nps" and info["host"] == "127.0.0.1" and info["pid"] == proc.pid
        assert set(info["ports"]) == {"telnet", "ssh"} and info["serial"].startswith("/dev/pts/")
        assert info["credentials"] == {"username": None, "password": "redhat123"}
        assert [(p["number"], p["state"]) for p in info["plugs"]] == [
            (1, "on"),
            (2, "off"),
            (3, "on"),
            (4, "on"),
        ]
        client = TelnetTestClient("127.0.0.1", info["ports"]["telnet"])
        client.expect("Enter Password: ")
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == "" and "Traceback" not in (proc.stderr.read() if proc.stderr else "")
        client.read_until_closed()


@pytest.mark.parametrize(
    "content, message",
    [
        ("plugs = 4\nrelay_delay = = 1\n", "line 2"),
        ("plugs = 0\n", "plugs must be between"),
        ("prompt = 'FOO>'\n", "prompt must be one of"),
        ("colour = 'red'\n", "unknown key 'colour'"),
        ("relay_delay = 'slow'\n", "relay_delay must be a number"),
        ("[[plugs]]\nname = 'a|b'\n", "plugs[0].name"),
        ("[groups]\nweb = [9]\n", "groups.web: no plug 9"),
        ("[groups]\n'a|b' = [1]\n", "without '|'"),
        ("[[faults]]\nkind = 'explode'\n", "unknown fault kind"),
        ("kind = 'bmc'\n", "expected 'nps'"),
        ("telnet_port = 70000\n", "telnet_port must be a port"),
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    result = emulate(["--config", str(path)])
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0], result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "/nonexistent.toml"], "No such file"),
        (["--fault", "latency"], "needs seconds"),
        (["--wire", "9=sleep 1"], "no such plug"),
        (["--plugs", "many"], "invalid int value"),
        (["--ssh-port", "x"], "port number or 'off'"),
    ],
)
def test_bad_flags_are_one_line_exit_2(args: list[str], message: str) -> None:
    result = emulate(args)
    assert (
        result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    )


def test_port_in_use_is_one_line_exit_1() -> None:
    with subprocess.Popen(
        emulate_command("nps", ["--ssh-port", "off"]), stdout=subprocess.PIPE, text=True
    ) as first:
        assert first.stdout is not None
        port = json.loads(first.stdout.readline())["ports"]["telnet"]
        result = emulate(["--telnet-port", str(port), "--ssh-port", "off"])
        first.terminate()
        first.wait(timeout=10)
    assert result.returncode == 1 and "cannot start" in result.stderr and "Traceback" not in result.stderr


def test_toml_writer_round_trips() -> None:
    import tomllib

    config = {"plugs": [{"name": "a \"b\"", "state": "off", "wire": ["sleep", "1"]}], "groups": {"web": [1]},
              "relay_delay": 0.25, "single_session": True, "users": {"ad min": "pw"}}  # fmt: skip
    assert tomllib.loads(to_toml(config)) == config


def test_emulator_fixture_full_config(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    marker = tmp_path / "node-up"
    device = emulator(
        "nps",
        config={
            "users": {"admin": "s3cret"},
            "prompt": "IPS>",
            "relay_delay": 0,
            "ssh_port": False,
            "plugs": [
                {"name": "node1", "wire": ["/bin/sh", "-c", f"touch {marker}; exec sleep 300"]},
                {"name": "x"},
            ],
            "groups": {"web": ["node1", 2]},
        },
    )
    assert device.credentials["username"] == "admin" and set(device.ports) == {"telnet"}
    assert [p["name"] for p in device.plugs] == ["node1", "x"]
    assert "s3cret" not in " ".join(open(f"/proc/{device.pid}/cmdline").read().split("\0"))
    deadline = time.monotonic() + 5
    while not marker.exists():
        assert time.monotonic() < deadline, "wired process never started"
        time.sleep(0.01)
    client = TelnetTestClient(device.host, device.port("telnet"))
    client.expect("Login: ")
    client.sendline("admin")
    client.expect("Password: ")
    client.sendline("s3cret")
    client.expect("IPS> ")
    assert device.stop() == 0 and not device.alive


def test_nps_fixture(nps: Emulator) -> None:
    assert nps.kind == "nps" and nps.alive and len(nps.plugs) == 8
    assert os.path.exists(f"/proc/{nps.pid}")


def test_fixture_reports_a_device_that_cannot_start(emulator: Callable[..., Emulator]) -> None:
    with pytest.raises(RuntimeError, match="exited 2: .*unknown key"):
        emulator("nps", config={"colour": "red"})
    assert sys.executable  # the device ran under this interpreter


def test_wire_flag_powers_a_process(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    wire = f"2=/bin/sh -c 'echo $$ > {pidfile}.tmp && mv {pidfile}.tmp {pidfile} && exec sleep 300'"
    dev = emulator("nps", args=["--wire", wire, "--relay-delay", "0", "--ssh-port", "off", "--off", "2"])

    assert not pidfile.exists()  # plug 2 starts off: nothing runs
    client = TelnetTestClient(dev.host, dev.port("telnet"))
    client.expect("Enter Password: ")
    client.sendline("redhat123")
    client.expect("NPS> ")
    client.sendline("/on 2,y")
    wait_until(pidfile.exists)
    pid = int(pidfile.read_text())
    client.sendline("/off 2,y")
    wait_until(lambda: process_gone(pid))


def test_run_time_control_over_stdin(nps: Emulator) -> None:
    assert nps.control({"cmd": "power", "plug": "3", "on": False}) == {"ok": True}
    assert [p["state"] for p in nps.control({"cmd": "state"})["plugs"]][:4] == ["on", "on", "off", "on"]
    assert nps.control({"cmd": "fault", "fault": {"kind": "hang", "command": "/S"}}) == {"ok": True}
    client = TelnetTestClient(nps.host, nps.port("telnet"))
    client.expect("Enter Password: ")
    client.sendline("redhat123")
    client.expect("NPS> ")
    client.sendline("/S")
    client.expect("/S\r\n")
    assert client.silent_for(0.2)
    assert nps.control({"cmd": "clear-faults"}) == {"ok": True}
    fresh = TelnetTestClient(nps.host, nps.port("telnet"))
    fresh.expect("Enter Password: ")
    for bad in ({"cmd": "fault", "fault": {"kind": "explode"}}, {"cmd": "power", "plug": "99"}, {"cmd": "x"}):
        answer = nps.control(bad)
        assert answer["ok"] is False and answer["error"]
    assert nps.alive


def test_verbose_log_shows_the_dialogue_but_never_the_password(emulator: Callable[..., Emulator]) -> None:
    dev = emulator("nps", config={"password": "Sekr1t!", "ssh_port": False}, args=["-v"])
    client = TelnetTestClient(dev.host, dev.port("telnet"))
    client.expect("Enter Password: ")
    client.sendline("Sekr1t!")
    client.expect("NPS> ")
    client.sendline("/SG")
    client.expect("NPS> ")
    client.sendline("/x")
    client.read_until_closed()
    dev.stop()
    log = dev.log_text
    assert "'/SG'" in log and "'***'" in log and "Sekr1t!" not in log
