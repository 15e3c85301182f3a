"""The capture of tests/pacemaker/data/ run live on the installed Pacemaker: the parsers and the differ must
read what this machine's Corosync + Pacemaker say, and the invariants must hold on it with the NPS's log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.pacemaker.history_differ import Differ
from harness.pacemaker.observe import parse_crm_mon, parse_fence_history
from harness.pytest_plugin import require_tool
from harness.scenario.invariants import check_all

from .capture import capture
from .test_observe import boot_snapshots, devices, judged

pytestmark = [pytest.mark.interop, pytest.mark.slow]


def test_live_capture_parses_and_holds_every_invariant(tmp_path: Path) -> None:
    for tool in ("corosync", "pacemakerd", "crm_mon", "stonith_admin"):
        require_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("a Pacemaker node in its own namespaces needs root")
    out = tmp_path / "data"
    boot, rest = capture(tmp_path / "node", out)
    differ = Differ(devices={"ghost": ("fence-nps",)})
    events = [e for s in boot_snapshots(out) for e in differ.feed(s)]
    kinds = [e["kind"] for e in events]
    assert kinds.count("fence_result") == 1 and "fenced" in kinds, kinds
    started = [e for e in events if e["kind"] == "service" and e["state"] == "started"]
    assert [(e["service"], e["owner"]) for e in started] == [("service:www", "node1")]
    assert check_all(judged(events, devices(out / "nps-boot.jsonl"))) == []
    last = parse_crm_mon(rest["confirm"], 0.0, "node1")
    assert [(f.action, f.status) for f in last.fences] == [
        ("off", "success"), ("off", "failed"), ("off", "success"), ("reboot", "success")]  # fmt: skip
    assert last.fences[0].delegate == "a human"
    assert parse_fence_history(rest["stonith-history"]) == last.fences
    [failure] = parse_crm_mon(rest["monitor-failed"], 0.0, "node1").failures
    assert (failure.op_key, failure.exitcode) == ("www-app_monitor_1000", 7)
