"""The stock ClusterLabs fence_ipmilan (which drives ipmitool) against our BMC, fed on stdin like fenced."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .support import USERS, bmc_config

pytestmark = pytest.mark.interop


@pytest.fixture
def bmc(emulator: Callable[..., Emulator]) -> Emulator:
    """A running BMC emulator with the test users (support.bmc_config)."""
    return emulator("bmc", config=bmc_config())


def stock(bmc: Emulator, action: str, **extra: str):  # type: ignore[no-untyped-def]
    agent = require_tool("fence_ipmilan")
    require_tool("ipmitool")
    lines = {
        "ip": bmc.host,
        "ipport": str(bmc.port("bmc1")),
        "username": "admin",
        "password": USERS["admin"]["password"],
        "lanplus": "1",
        "action": action,
        "power_wait": "0",
        **extra,
    }
    return run([agent], stdin="".join(f"{k}={v}\n" for k, v in lines.items()), timeout=60)


def test_status_off_on(bmc: Emulator) -> None:
    status = stock(bmc, "status")
    assert (status.returncode, status.stdout) == (0, "Status: ON\n"), status.stderr
    off = stock(bmc, "off")
    assert (off.returncode, off.stdout) == (0, "Success: Powered OFF\n"), off.stderr
    status = stock(bmc, "status")
    assert (status.returncode, status.stdout) == (2, "Status: OFF\n")
    on = stock(bmc, "on")
    assert (on.returncode, on.stdout) == (0, "Success: Powered ON\n"), on.stderr


@pytest.mark.parametrize("method", ["onoff", "cycle"])
def test_reboot(bmc: Emulator, method: str) -> None:
    reboot = stock(bmc, "reboot", method=method)
    assert (reboot.returncode, reboot.stdout) == (0, "Success: Rebooted\n"), reboot.stderr
    assert stock(bmc, "status").stdout == "Status: ON\n"


def test_monitor(bmc: Emulator) -> None:
    assert stock(bmc, "monitor").returncode == 0


def test_operator_account_at_operator_level(bmc: Emulator) -> None:
    off = stock(bmc, "off", username="oper", password=USERS["oper"]["password"], privlvl="operator")
    assert (off.returncode, off.stdout) == (0, "Success: Powered OFF\n"), off.stderr


def test_without_lanplus_fails_fast_as_on_a_bmc_with_ipmi_15_disabled(bmc: Emulator) -> None:
    done = stock(bmc, "status", lanplus="0")
    assert done.returncode == 1
    assert "Unable to obtain correct plug status" in done.stderr
