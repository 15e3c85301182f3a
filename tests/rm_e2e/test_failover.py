"""The www service fails over: the owner dies, the survivors fence it through fence_nps and the NPS, and
only then the service starts on the best node of its domain; the same page answers from the new owner.
Throughout, the nodes' namespaces never show the address or the disk on two nodes at once."""

from __future__ import annotations

import json
import os
import signal

import pytest

from harness.waiting import wait_for

from .conftest import PAGE, WwwLab

pytestmark = pytest.mark.slow


def started_on(lab: WwwLab, node: str) -> bool:
    row = lab.service()
    return row["state"] == 112 and row["owner"] == node


def fence_cut_times(lab: WwwLab, victim: str) -> list[float]:
    path = lab.lab.events_file("nps")
    plug = str(lab.lab.nodeid(victim))
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r["t"] for r in rows if r["kind"] == "outlet" and r["outlet"] == plug and not r["on"]]


def service_starts(lab: WwwLab, node: str) -> list[float]:
    rows = []
    for name in ("node1", "node2", "node3"):
        path = lab.lab.run_dir(name) / "events.jsonl"
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        r["t"] for r in rows if r["kind"] == "service" and r["owner"] == node and r["state"] == "starting"
    ]


def test_www_fails_over_only_after_its_owner_is_fenced(www_lab: WwwLab) -> None:
    wait_for("www started on node1", lambda: started_on(www_lab, "node1"), 60, retry_on=(OSError,))
    assert wait_for("the page", www_lab.http, 20) == PAGE
    clustat = www_lab.tool("node2", "clustat")
    assert clustat.returncode == 0 and " service:www" in clustat.stdout and "node1" in clustat.stdout
    victim = www_lab.lab.node_pid("node1")
    assert victim is not None
    os.kill(victim, signal.SIGKILL)  # node1's cluster daemon dies; its web server still runs until fenced
    wait_for("www started on node2", lambda: started_on(www_lab, "node2"), 60, retry_on=(OSError,))
    assert wait_for("the page from node2", www_lab.http, 20) == PAGE
    cuts, starts = fence_cut_times(www_lab, "node1"), service_starts(www_lab, "node2")
    assert cuts and starts and min(starts) > min(cuts), f"started at {starts}, node1 cut at {cuts}"
    assert www_lab.truth.doubles() == []
