"""The BMC fault plan and timing, seen by our agent as a process: it fences, or fails clearly in time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.pytest_plugin import Emulator

from .support import bmc_config, by_argv


def start(emulator: Callable[..., Emulator], **config: Any) -> Emulator:
    return emulator("bmc", config=bmc_config(**config))


def test_slow_status_answers_still_fence(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "latency", "command": "status", "seconds": 0.3}])
    result = by_argv(bmc, "-o", "status")
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err
    assert result.seconds >= 0.3


def test_answers_slower_than_shell_timeout_time_out(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "latency", "command": "status", "seconds": 5}])
    result = by_argv(bmc, "-o", "status", "--shell-timeout", "0.5")
    assert result.rc == 1
    assert "Connection timed out: the BMC did not answer chassis status within 0.5 s" in result.err
    assert result.seconds < 3.0


def test_bmc_that_never_answers_a_login(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "hang", "command": "login"}])
    result = by_argv(bmc, "-o", "status", "--login-timeout", "1")
    assert result.rc == 1
    assert "no answer from the BMC" in result.err
    assert result.seconds < 3.0


def test_a_dropped_answer_is_retried(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "drop", "command": "off", "times": 1}])
    result = by_argv(bmc, "-o", "off")
    assert (result.rc, result.out) == (0, "Success: Powered OFF\n"), result.err


def test_noise_instead_of_an_answer_is_ignored_and_retried(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "garbage", "command": "status", "times": 1}])
    result = by_argv(bmc, "-o", "status")
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err


def test_refused_logins(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "refuse-login"}])
    result = by_argv(bmc, "-o", "status")
    assert result.rc == 1
    assert "Unable to connect/login to fencing device" in result.err
    assert result.seconds < 2.0


def test_stuck_power_is_caught_by_verification(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "stuck"}])
    result = by_argv(bmc, "-o", "off", "--power-timeout", "1")
    assert result.rc == 1
    assert result.error_lines[-1].endswith("Failed: Timed out waiting to power OFF")


def test_lying_status(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "lie", "state": "off"}])
    result = by_argv(bmc, "-o", "status")
    assert (result.rc, result.out) == (2, "Status: OFF\n")


def test_power_on_delay_is_verified_by_fast_polling(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, powered=False, power_on_delay=1.0)
    result = by_argv(bmc, "-o", "on", "--stonith-status-sleep", "0.1")
    assert (result.rc, result.out) == (0, "Success: Powered ON\n"), result.err
    assert 1.0 <= result.seconds < 3.0  # it waited for the chassis, polling (not pyghmi's 1 s steps)


def test_cycle_with_an_off_time(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, cycle_off_time=0.5)
    result = by_argv(bmc, "-o", "reboot", "-m", "cycle")
    assert (result.rc, result.out) == (0, "Success: Rebooted\n"), result.err


def test_slow_login_still_fences(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "latency", "command": "login", "seconds": 0.4}])
    result = by_argv(bmc, "-o", "status")
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err
    assert result.seconds >= 0.4


def test_one_dropped_login_is_retried(emulator: Callable[..., Emulator]) -> None:
    bmc = start(emulator, faults=[{"kind": "drop", "command": "login", "times": 1}])
    result = by_argv(bmc, "-o", "status")
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err
