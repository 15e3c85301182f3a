"""ipmitool (lanplus, suites 3 and 17) against our BMC: the stock client is the referee of the emulator."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .support import USERS, bmc_config, by_argv

pytestmark = pytest.mark.interop


@pytest.fixture
def bmc(emulator: Callable[..., Emulator]) -> Emulator:
    """A running BMC emulator with the test users (support.bmc_config)."""
    return emulator("bmc", config=bmc_config())


def ipmitool(bmc: Emulator, *args: str, user: str = "admin", level: str = "ADMINISTRATOR", cipher: str = "3"):  # type: ignore[no-untyped-def]
    tool = require_tool("ipmitool")
    argv = [tool, "-I", "lanplus", "-C", cipher, "-H", bmc.host, "-p", str(bmc.port("bmc1")), "-U", user]
    password = USERS[user]["password"] if user in USERS else "whatever"
    return run([*argv, "-L", level, "-E", *args], env={"IPMI_PASSWORD": password}, timeout=30)


def test_chassis_power_commands(bmc: Emulator) -> None:
    assert ipmitool(bmc, "chassis", "power", "status").stdout == "Chassis Power is on\n"
    assert ipmitool(bmc, "chassis", "power", "off").stdout == "Chassis Power Control: Down/Off\n"
    assert ipmitool(bmc, "chassis", "power", "status").stdout == "Chassis Power is off\n"
    assert ipmitool(bmc, "chassis", "power", "on").stdout == "Chassis Power Control: Up/On\n"
    assert ipmitool(bmc, "chassis", "power", "cycle").stdout == "Chassis Power Control: Cycle\n"
    assert ipmitool(bmc, "chassis", "power", "reset").stdout == "Chassis Power Control: Reset\n"
    assert ipmitool(bmc, "chassis", "power", "status").stdout == "Chassis Power is on\n"
    assert ipmitool(bmc, "chassis", "power", "soft").stdout == "Chassis Power Control: Soft\n"
    assert ipmitool(bmc, "chassis", "power", "status").stdout == "Chassis Power is off\n"


def test_cycle_and_reset_refused_while_off(bmc: Emulator) -> None:
    ipmitool(bmc, "chassis", "power", "off")
    for verb in ("cycle", "reset"):
        done = ipmitool(bmc, "chassis", "power", verb)
        assert done.returncode != 0
        assert "Command not supported in present state" in done.stderr


def test_chassis_status_and_mc_info(bmc: Emulator) -> None:
    status = ipmitool(bmc, "chassis", "status")
    assert status.returncode == 0, status.stderr
    assert "System Power         : on" in status.stdout
    assert "Power Restore Policy : previous" in status.stdout
    info = ipmitool(bmc, "mc", "info")
    assert info.returncode == 0, info.stderr
    assert "IPMI Version              : 2.0" in info.stdout
    assert "Firmware Revision         : 1.42" in info.stdout
    assert "Chassis Device" in info.stdout


def test_boot_device(bmc: Emulator) -> None:
    assert ipmitool(bmc, "chassis", "bootdev", "pxe").stdout.strip() == "Set Boot Device to pxe"
    assert "Force PXE" in ipmitool(bmc, "chassis", "bootparam", "get", "5").stdout


def test_user_level_reads_but_cannot_change_power(bmc: Emulator) -> None:
    assert (
        ipmitool(bmc, "chassis", "power", "status", user="viewer", level="USER").stdout
        == "Chassis Power is on\n"
    )
    denied = ipmitool(bmc, "chassis", "power", "off", user="viewer", level="USER")
    assert denied.returncode != 0
    assert "Insufficient privilege level" in denied.stderr
    assert ipmitool(bmc, "chassis", "power", "status").stdout == "Chassis Power is on\n"


def test_unknown_user_is_answered_at_once(bmc: Emulator) -> None:
    start = time.monotonic()
    done = ipmitool(bmc, "chassis", "power", "status", user="mallory")
    assert done.returncode != 0
    assert time.monotonic() - start < 3.0  # pyghmi's own server leaves ipmitool waiting 14 s


@pytest.mark.parametrize("cipher", ["3", "17"])
def test_both_cipher_suites(bmc: Emulator, cipher: str) -> None:
    assert (
        ipmitool(bmc, "chassis", "power", "off", cipher=cipher).stdout == "Chassis Power Control: Down/Off\n"
    )
    assert ipmitool(bmc, "chassis", "power", "status", cipher=cipher).stdout == "Chassis Power is off\n"
    assert ipmitool(bmc, "chassis", "power", "on", cipher=cipher).stdout == "Chassis Power Control: Up/On\n"


def test_unsupported_cipher_suite_is_refused(emulator: Callable[..., Emulator]) -> None:
    bmc = emulator("bmc", config=bmc_config(cipher_suites=[3]))  # an older BMC: suite 3 only
    start = time.monotonic()
    done = ipmitool(bmc, "chassis", "power", "status", cipher="17")
    assert done.returncode != 0
    assert time.monotonic() - start < 3.0


def test_ipmi_15_is_refused_at_once(bmc: Emulator) -> None:
    tool = require_tool("ipmitool")
    argv = [tool, "-I", "lan", "-H", bmc.host, "-p", str(bmc.port("bmc1")), "-U", "admin", "-E"]
    start = time.monotonic()
    done = run([*argv, "chassis", "power", "status"], env={"IPMI_PASSWORD": USERS["admin"]["password"]})
    assert done.returncode != 0
    assert "Authentication type NONE not supported" in done.stderr
    assert time.monotonic() - start < 5.0  # pyghmi's server stays silent and ipmitool waits ~10 s


@pytest.mark.parametrize(("ours", "theirs"), [("17", "3"), ("3", "17")])
def test_our_agent_and_ipmitool_agree_across_suites(bmc: Emulator, ours: str, theirs: str) -> None:
    off = by_argv(bmc, "-o", "off", "-C", ours)
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    assert ipmitool(bmc, "chassis", "power", "status", cipher=theirs).stdout == "Chassis Power is off\n"
    assert ipmitool(bmc, "chassis", "power", "on", cipher=theirs).returncode == 0
    status = by_argv(bmc, "-o", "status", "-C", ours)
    assert (status.rc, status.out) == (0, "Status: ON\n"), status.err


@pytest.mark.parametrize(("offered", "best"), [([17, 3], "17"), ([3], "3")])
def test_ipmitool_picks_the_best_suite_the_bmc_lists(
    emulator: Callable[..., Emulator], offered: list[int], best: str
) -> None:
    """Without -C, ipmitool asks Get Channel Cipher Suites first (pyghmi's server lists suite 3 only)."""
    bmc = emulator("bmc", config=bmc_config(cipher_suites=offered))
    tool = require_tool("ipmitool")
    argv = [tool, "-I", "lanplus", "-H", bmc.host, "-p", str(bmc.port("bmc1")), "-U", "admin", "-E", "-v"]
    done = run([*argv, "chassis", "power", "status"], env={"IPMI_PASSWORD": USERS["admin"]["password"]})
    assert done.stdout == "Chassis Power is on\n", done.stderr
    assert f"Using best available cipher suite {best}" in done.stderr
