"""OpenStack's sushy (the Redfish client library of Ironic) against our Redfish emulator: it logs in with a
session, finds the system and resets it through AllowableValues."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator, in_ci
from harness.waiting import wait_for

from .support import USERS, config, system

pytestmark = pytest.mark.interop
Start = Callable[..., Emulator]


def _sushy():  # type: ignore[no-untyped-def]
    try:
        import sushy
    except ImportError:
        if in_ci():
            pytest.fail("sushy not installed: pip install -e '.[test]' (CI=true: interop tests may not skip)")
        pytest.skip("sushy not installed: pip install -e '.[test]'")
    return sushy


def test_session_get_system_and_reset(emulator: Start) -> None:
    sushy = _sushy()
    bmc = emulator("redfish", config=config())
    client = sushy.Sushy(bmc.info["url"] + "/redfish/v1", username="admin",
                         password=USERS["admin"]["password"], verify=bmc.info["ca_file"])  # fmt: skip
    assert bmc.control({"cmd": "state"})["sessions"] == 1  # sushy opened a session, not Basic
    machine = client.get_system()
    assert machine.power_state == sushy.POWER_STATE_ON
    assert sushy.RESET_FORCE_OFF in machine.get_allowed_reset_system_values()
    machine.reset_system(sushy.RESET_FORCE_OFF)
    assert not system(bmc, "1")["on"]
    machine.refresh()
    assert machine.power_state == sushy.POWER_STATE_OFF
    machine.reset_system(sushy.RESET_ON)
    wait_for("system 1 on", lambda: system(bmc, "1")["on"], 5)


def test_refused_reset_type_is_refused_before_posting(emulator: Start) -> None:
    sushy = _sushy()
    bmc = emulator("redfish", config=config(reset_types=["On", "ForceOff"]))
    client = sushy.Sushy(bmc.info["url"] + "/redfish/v1", username="oper",
                         password=USERS["oper"]["password"], verify=bmc.info["ca_file"])  # fmt: skip
    machine = client.get_system()
    with pytest.raises(sushy.exceptions.InvalidParameterValueError):
        machine.reset_system(sushy.RESET_FORCE_RESTART)
    assert system(bmc, "1")["resets"] == {}
