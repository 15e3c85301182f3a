"""Devices write their ground truth to an event file (docs/events.md): one JSON object per line with t, src,
kind; outlets (NPS), chassis power (BMC) as they really change, start and stop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.pytest_plugin import Emulator
from harness.waiting import wait_for


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def kinds(path: Path, kind: str) -> list[dict[str, Any]]:
    return [e for e in events(path) if e["kind"] == kind]


def test_nps_outlet_changes_are_events(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    began = time.time()
    nps = emulator(
        "nps", config={"relay_delay": 0.5, "events": str(log)}, args=["--plugs", "2", "--name", "pdu-a"]
    )
    assert nps.info["name"] == "pdu-a"
    assert nps.control({"cmd": "power", "plug": "2", "on": False}) == {"ok": True}
    assert kinds(log, "outlet") == []  # the relay has not switched yet: no event before the truth changes
    change = wait_for("the outlet event", lambda: kinds(log, "outlet"), timeout=5)
    assert [(e["src"], e["outlet"], e["on"]) for e in change] == [("pdu-a", "2", False)]
    start = kinds(log, "start")[0]
    assert start["src"] == "pdu-a" and start["outlets"] == {"1": True, "2": True}
    assert began <= start["t"] <= change[0]["t"] <= time.time()
    assert nps.stop() == 0
    assert events(log)[-1]["kind"] == "stop"


def test_bmc_chassis_changes_are_events(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    bmc = emulator("bmc", args=["--count", "2", "--events", str(log), "--power-on-delay", "0"])
    wait_for("both BMCs started", lambda: len(kinds(log, "start")) == 2, timeout=10)
    assert bmc.control({"cmd": "power", "bmc": "bmc2", "on": False})["ok"]
    change = wait_for("the chassis event", lambda: kinds(log, "chassis"), timeout=5)
    assert [(e["src"], e["on"]) for e in change] == [("bmc2", False)]
    assert {e["src"] for e in kinds(log, "start")} == {"bmc1", "bmc2"}
