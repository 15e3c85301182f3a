"""Fixtures for the SAN tests: one running ``fencelab emulate san`` per module."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest

from fence_agents.transports.snmp import CommunitySession, SnmpTarget
from harness.pytest_plugin import Emulator, start_emulator

from .helpers import IF_ADMIN, san_config


@pytest.fixture(scope="module")
def san() -> Iterator[Emulator]:
    """One running SAN emulator (switch, PDU, NBD array) for the module, its state directory removed after."""
    state = tempfile.mkdtemp(prefix="fencelab-san-test-")
    device = start_emulator("san", san_config(state), timeout=20.0)
    try:
        yield device
    finally:
        device.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def fresh(san: Emulator) -> Emulator:
    """The module's SAN with every switch port enabled again (tests leave ports as they like)."""
    session = CommunitySession(SnmpTarget("127.0.0.1", san.port("snmp"), "2c", "private"))
    try:
        for entry in san.info["switch_ports"]:
            session.set_int(IF_ADMIN + (entry["port"],), 1)
    finally:
        session.close()
    return san
