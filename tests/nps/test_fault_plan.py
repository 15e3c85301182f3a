"""fence_nps against every fault of the emulator's fault plan (issue 3): exit 1, one clear line, within its
timeouts, never a success it has not verified, never a hang (every run has a deadline)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from harness.pytest_plugin import Emulator

from .test_agent_support import Result, by_argv, plug_states

FAST = ["--shell-timeout", "1", "--login-timeout", "1", "--power-timeout", "1"]
SLACK = 1.5  # process start-up and teardown on a busy 2-core machine


def device_with(emulator: Callable[..., Emulator], *faults: Mapping[str, Any], ssh: bool = False) -> Emulator:
    config: dict[str, Any] = {"relay_delay": 0, "boot_delay": 0, "faults": list(faults)}
    if not ssh:
        config["ssh_port"] = False
    return emulator("nps", config=config)


def assert_fails(result: Result, message: str, within: float) -> None:
    assert result.rc == 1, (result.out, result.err)
    assert "Success" not in result.out
    assert len(result.error_lines) == 1, result.err
    assert result.error_lines[0].endswith(message), result.err
    assert result.seconds < within + SLACK, result.seconds


def fence(device: Emulator, *args: str, transport: str = "telnet", timeouts: Sequence[str] = FAST) -> Result:
    return by_argv(device, transport, *timeouts, *args)


def test_small_latency_is_tolerated(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "latency", "command": "*", "seconds": 0.2})
    result = fence(device, "-n", "1", "-o", "off")
    assert (result.rc, result.out) == (0, "Success: Powered OFF\n")


def test_latency_beyond_shell_timeout(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "latency", "command": "/s", "seconds": 5})
    assert_fails(fence(device, "-n", "1", "-o", "status"), "Connection timed out", 1.0)


@pytest.mark.parametrize("transport", ["telnet", "ssh"])
def test_refused_login(emulator: Callable[..., Emulator], transport: str) -> None:
    device = device_with(emulator, {"kind": "refuse-login"}, ssh=True)
    result = fence(device, "-n", "1", "-o", "off", transport=transport, timeouts=())  # default 10 s login
    assert_fails(result, "Unable to connect/login to fencing device", 1.0)  # refused at once, not timed out


def test_drop_during_power_off(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "drop", "command": "/off"})
    assert_fails(fence(device, "-n", "1", "-o", "off"), "Connection lost", 1.0)


@pytest.mark.parametrize("transport", ["telnet", "ssh"])
def test_drop_during_status(emulator: Callable[..., Emulator], transport: str) -> None:
    device = device_with(emulator, {"kind": "drop", "command": "/s"}, ssh=True)
    assert_fails(fence(device, "-n", "1", "-o", "reboot", transport=transport), "Connection lost", 1.0)


def test_hang_on_command(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "hang", "command": "/s", "after": 1})  # the first /S answers
    assert_fails(fence(device, "-n", "1", "-o", "off"), "Connection timed out", 1.0 + 1.0)


def test_hang_at_login(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "hang", "command": "login"})
    assert_fails(fence(device, "-n", "1", "-o", "status"), "Unable to connect/login to fencing device", 1.0)


def test_garbage_instead_of_status(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "garbage", "command": "/s"})
    assert_fails(fence(device, "-n", "1", "-o", "off"), "Connection timed out", 1.0)


@pytest.mark.parametrize("action", ["off", "reboot"])
def test_stuck_relay_never_claims_off(emulator: Callable[..., Emulator], action: str) -> None:
    device = device_with(emulator, {"kind": "stuck", "plugs": ["1"]})
    result = fence(device, "-n", "1", "-o", action)
    assert_fails(result, "Failed: Timed out waiting to power OFF", 1.0)
    assert plug_states(device)["1"] == "ON"


def test_relay_lying_on_blocks_off(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "lie", "plugs": ["2"], "state": "on"})
    assert_fails(fence(device, "-n", "2", "-o", "off"), "Failed: Timed out waiting to power OFF", 1.0)


def test_relay_lying_off_blocks_on(emulator: Callable[..., Emulator]) -> None:
    device = device_with(emulator, {"kind": "lie", "plugs": ["3"], "state": "off"})
    result = fence(device, "-n", "3", "-o", "on", "--retry-on", "0")
    assert_fails(result, "Failed: Timed out waiting to power ON", 1.0)
