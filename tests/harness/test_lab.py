"""ClusterLab runs once at a time: a second start() must not orphan the first emulator and its nodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.lab import ClusterLab
from harness.tools import pid_running


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
