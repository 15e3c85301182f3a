"""The SAN's event file: switch port changes (with the view that made them) and accepted storage writes,
each write pointing at its journal entry; a fenced host's refused write is no event."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.pytest_plugin import Emulator, start_emulator
from harness.waiting import wait_for

from .helpers import fence_ifmib, journal, san_config
from .test_san_nbd_fencing import qemu_io

pytestmark = pytest.mark.interop  # qemu-io writes


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Emulator, Path]]:
    """A SAN emulator writing its events to a file: (device, event file)."""
    log = tmp_path / "san-events.jsonl"
    state = tempfile.mkdtemp(prefix="fencelab-san-events-", dir=tmp_path)
    device = start_emulator("san", {**san_config(state), "events": str(log)}, timeout=20.0)
    try:
        yield device, log
    finally:
        device.stop()


def events(path: Path, kind: str) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, path.read_text().splitlines()) if e["kind"] == kind]


def test_port_changes_and_writes_are_events(recorded: tuple[Emulator, Path]) -> None:
    san, log = recorded
    rc, out = qemu_io(san, "node2/lun0", "write -P 0x5a 0 4k")
    assert rc == 0, out
    rc, _, err = fence_ifmib(san, "-c", "private", "-n", "port2", "-o", "off")
    assert rc == 0, err
    rc, out = qemu_io(san, "node2/lun0", "write -P 0x5a 0 4k")
    assert rc != 0  # refused: the port is down

    ports = wait_for("the port event", lambda: events(log, "port"), timeout=5)
    assert [(e["src"], e["port"], e["host"], e["enabled"], e["via"]) for e in ports] == [
        ("san", 2, "node2", False, "snmp")
    ]
    writes = events(log, "write")
    assert [(w["host"], w["lun"], w["offset"], w["length"]) for w in writes] == [("node2", "lun0", 0, 4096)]
    entry = next(e for e in journal(san) if e["seq"] == writes[0]["journal_seq"])
    assert entry["event"] == "write" and entry["host"] == "node2"
    assert writes[0]["t"] <= ports[0]["t"]
