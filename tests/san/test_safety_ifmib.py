"""Safety of fence_ifmib: an ambiguous port name or an unreadable ifAdminStatus is never taken as OFF/ON."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from fence_agents.agents.ifmib_device import admin_state
from fence_agents.device import PowerState
from harness.pytest_plugin import Emulator, start_emulator

from .helpers import admin_status, fence_ifmib, san_config

SAME_NAME = [
    {"index": 1, "host": "node1", "name": "fc0"},
    {"index": 2, "host": "node2", "name": "fc0"},
    {"index": 3, "host": "node3", "name": "fc3"},
]


@pytest.fixture(scope="module")
def twin_named() -> Iterator[Emulator]:
    """A SAN emulator whose switch has two ports with the same name (ifDescr), for the module."""
    state = tempfile.mkdtemp(prefix="fencelab-san-safety-")
    device = start_emulator("san", san_config(state, ports=SAME_NAME), timeout=20.0)
    try:
        yield device
    finally:
        device.stop()
        shutil.rmtree(state, ignore_errors=True)


def test_name_shared_by_two_interfaces_is_refused_not_guessed(twin_named: Emulator) -> None:
    code, out, err = fence_ifmib(twin_named, "-c", "private", "-n", "fc0", "-o", "off")
    assert code == 1 and out == ""
    assert "fc0" in err and "several" in err
    assert admin_status(twin_named, 1) == 1 and admin_status(twin_named, 2) == 1


def test_unique_name_still_fences(twin_named: Emulator) -> None:
    code, out, _ = fence_ifmib(twin_named, "-c", "private", "-n", "fc3", "-o", "off")
    assert (code, out) == (0, "Success: Powered OFF\n")
    assert admin_status(twin_named, 3) == 2
    code, _, _ = fence_ifmib(twin_named, "-c", "private", "-n", "fc3", "-o", "on")
    assert code == 0


@pytest.mark.parametrize(
    ("value", "state"),
    [
        (1, PowerState.ON),
        (2, PowerState.OFF),
        (3, PowerState.OFF),  # testing: off, as the stock agent
        ("2", PowerState.UNKNOWN),  # an octet string where an INTEGER belongs: garbage
        ("down", PowerState.UNKNOWN),
        ((1, 3, 6), PowerState.UNKNOWN),
        (0, PowerState.UNKNOWN),  # outside ifAdminStatus' enumeration
        (7, PowerState.UNKNOWN),
    ],
)
def test_admin_status_values_map_strictly(value: object, state: PowerState) -> None:
    assert admin_state(value) is state  # type: ignore[arg-type]
