"""ClusterLab runs once at a time: a second start() must not orphan the first emulator and its nodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.lab import ClusterLab
from harness.tools import pid_running
from harness.waiting import wait_for


def test_start_inside_with_refuses_and_keeps_the_running_lab(tmp_path: Path) -> None:
    with ClusterLab(tmp_path, nodes=1) as lab:
        first = lab.emulator
        assert first is not None
        with pytest.raises(RuntimeError, match="already started"):
            lab.start()
        assert lab.emulator is first and first.poll() is None
    assert not pid_running(first.pid)
    lab.start(power_on=False)  # a stopped lab may start again
    try:
        assert lab.emulator is not None and lab.emulator is not first
    finally:
        lab.stop()


def test_the_nps_records_its_outlets_as_device_events(tmp_path: Path) -> None:
    with ClusterLab(tmp_path, nodes=1) as lab:
        assert lab.power(1, "off").returncode == 0
        offs = wait_for("plug 1 off", lambda: [e for e in lab.device_events("outlet") if not e["on"]], 5)
        assert [(e["src"], e["outlet"]) for e in offs] == [("nps", "1")]
        # plugs start off; the lab powers node1 on through fence_nps, the test powers it off
        assert [e["on"] for e in lab.device_events("outlet")] == [True, False]
