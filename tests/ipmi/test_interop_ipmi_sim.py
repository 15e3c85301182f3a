"""Our fence_ipmilan against OpenIPMI's ipmi_sim, a BMC we did not write."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.pytest_plugin import require_tool

from .ipmi_sim import ADMIN, IpmiSim
from .support import password_script, run_agent, wait_for

pytestmark = pytest.mark.interop


@pytest.fixture
def sim() -> Iterator[IpmiSim]:
    """OpenIPMI's ipmi_sim as an independent BMC; closed after."""
    device = IpmiSim(require_tool("ipmi_sim"))
    try:
        yield device
    finally:
        device.close()


def agent(sim: IpmiSim, *args: str, password: str = ADMIN[1]):  # type: ignore[no-untyped-def]
    base = ["-a", "127.0.0.1", "-u", str(sim.port), "-l", ADMIN[0], "-S", password_script(password)]
    return run_agent([*base, "-P", "--power-wait", "0", *args])


def test_status_off_on_reboot(sim: IpmiSim) -> None:
    status = agent(sim, "-o", "status")
    assert (status.rc, status.out) == (0, "Status: ON\n"), status.err
    off = agent(sim, "-o", "off")
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    assert not sim.powered
    status = agent(sim, "-o", "status")
    assert (status.rc, status.out) == (2, "Status: OFF\n")
    on = agent(sim, "-o", "on")
    assert (on.rc, on.out) == (0, "Success: Powered ON\n"), on.err
    assert sim.powered
    reboot = agent(sim, "-o", "reboot")
    assert (reboot.rc, reboot.out) == (0, "Success: Rebooted\n"), reboot.err
    wait_for(lambda: sim.powered, what="ipmi_sim's chassis to be on again")


def test_cipher_suite_3_explicitly(sim: IpmiSim) -> None:
    result = agent(sim, "-o", "status", "-C", "3")
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err


def test_wrong_password(sim: IpmiSim) -> None:
    result = agent(sim, "-o", "status", "--login-timeout", "2", password="not-it")
    assert result.rc == 1
    assert "Unable to connect/login to fencing device" in result.err
