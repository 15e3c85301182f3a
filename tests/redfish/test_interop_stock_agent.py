"""The stock fence_redfish (Debian fence-agents) against our Redfish emulator: it must work unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .support import config, stock_argv, system

pytestmark = pytest.mark.interop
Start = Callable[..., Emulator]


def stock(bmc: Emulator, *args: str, password: str | None = None) -> tuple[int, str, str]:
    done = run(stock_argv(require_tool("fence_redfish"), bmc, *args, password=password), timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_status_off_on_reboot_monitor(emulator: Start) -> None:
    bmc = emulator("redfish", config=config())
    assert stock(bmc, "-o", "status")[:2] == (0, "Status: ON\n")
    assert stock(bmc, "-o", "off")[:2] == (0, "Success: Powered OFF\n")
    assert not system(bmc, "1")["on"]
    assert stock(bmc, "-o", "status")[:2] == (2, "Status: OFF\n")
    assert stock(bmc, "-o", "on")[:2] == (0, "Success: Powered ON\n")
    assert stock(bmc, "-o", "reboot")[:2] == (0, "Success: Rebooted\n")
    assert system(bmc, "1")["resets"] == {"ForceOff": 2, "On": 2}  # stock reboot is ForceOff + On
    assert stock(bmc, "-o", "monitor")[0] == 0


def test_wrong_password_exits_1(emulator: Start) -> None:
    bmc = emulator("redfish", config=config())
    rc, out, _ = stock(bmc, "-o", "status", password="wrong")
    assert (rc, out) == (1, "")


def test_systems_uri_and_idrac_profile_with_power_delays(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(profile="idrac", power_on_delay=0.5, power_off_delay=0.5))
    uri = "/redfish/v1/Systems/System.Embedded.1"
    assert stock(bmc, "--systems-uri", uri, "-o", "off")[:2] == (0, "Success: Powered OFF\n")
    assert stock(bmc, "--systems-uri", uri, "-o", "on")[:2] == (0, "Success: Powered ON\n")
