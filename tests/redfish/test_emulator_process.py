"""`fencelab emulate redfish` as a process: the ready line, flags, bad configurations, run-time control."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.emulator_process import emulate_command
from harness.pytest_plugin import Emulator

from .support import config, ours, system

Start = Callable[..., Emulator]


def test_ready_line_names_url_ca_systems_and_users(emulator: Start) -> None:
    bmc = emulator(
        "redfish",
        config=config(),
        args=["--systems", "3", "--off", "System.Embedded.2", "--profile", "idrac"],
    )
    info = bmc.info
    assert info["device"] == "redfish" and info["url"] == f"https://127.0.0.1:{bmc.port('https')}"
    assert Path(info["ca_file"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert [(s["id"], s["on"]) for s in info["systems"]] == [
        ("System.Embedded.1", True), ("System.Embedded.2", False), ("System.Embedded.3", True),
    ]  # fmt: skip
    assert info["users"]["viewer"]["role"] == "ReadOnly"


def test_control_power_is_ground_truth_the_agent_sees(emulator: Start) -> None:
    bmc = emulator("redfish", config=config())
    assert bmc.control({"cmd": "power", "system": "1", "on": False}) == {"ok": True}
    assert ours(bmc, "-o", "status").out == "Status: OFF\n"
    assert bmc.control({"cmd": "power", "system": "9", "on": False})["ok"] is False
    assert not system(bmc, "1")["on"]


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('profile = "hpe"\n', "profile must be one of generic, idrac, idrac10, ilo, openbmc, lagging"),
        ('reset_types = ["Reboot"]\n', "reset_types: Reboot is not one of"),
        ("bogus = 1\n", "unknown key 'bogus'"),
        ('users = { a = { password = "x", role = "Root" } }\n', "role must be one of Administrator"),
        ("reset_response = 201\n", "reset_response must be 200, 202 or 204"),
        ('systems = [{ id = "a" }, { id = "a" }]\n', "two systems have the id 'a'"),
        ("power_on_delay = -1\n", "power_on_delay must not be negative"),
    ],
)
def test_bad_configuration_is_one_line_exit_2(tmp_path: Path, toml: str, words: str) -> None:
    path = tmp_path / "bmc.toml"
    path.write_text(toml)
    argv = emulate_command("redfish", ["--config", str(path)])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(path) in lines[0], done.stderr


def test_unknown_wire_target_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "harness.cli", "emulate", "redfish", "--wire", "7=sleep 1"],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 2 and "no system of that id" in done.stderr
