"""Safety of fence_ipmilan's status: a Get Chassis Status answer too short to be one is UNKNOWN, not ON/OFF.

The answer's first three bytes are mandatory (IPMI 2.0, 28.2: current power state, last power event,
misc. chassis state; a fourth, front panel, is optional). Bit 0 of the first is "power is on".
"""

from __future__ import annotations

import pytest

from fence_agents.agents.ipmilan import chassis_power
from fence_agents.device import PowerState


@pytest.mark.parametrize(
    ("data", "state"),
    [
        (bytes([0x21, 0x10, 0x00, 0x00]), PowerState.ON),
        (bytes([0x20, 0x10, 0x00]), PowerState.OFF),
        (bytes([0x01, 0x00, 0x00]), PowerState.ON),
        (bytes([0x0E, 0x00, 0x00]), PowerState.OFF),  # overload, interlock, fault bits: still off
        (b"", PowerState.UNKNOWN),
        (bytes([0x01]), PowerState.UNKNOWN),  # a truncated answer
        (bytes([0x00, 0x00]), PowerState.UNKNOWN),
    ],
)
def test_chassis_status_answer(data: bytes, state: PowerState) -> None:
    assert chassis_power(data) is state
