"""An operator's fence_ack_manual lets a service fail over wherever it is typed.

The decider of takeovers is the lowest member's resource manager; fence_ack_manual may run on any node.
The override is announced to the peers' fenced, and each fenced tells its own resource manager: before that,
the decider never heard of an override made on another node and waited for a fence forever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.waiting import wait_for

from .conftest import PAGE, WwwLab

pytestmark = pytest.mark.slow


def fence_errors(lab: WwwLab, node: str) -> list[dict[str, object]]:
    path = lab.lab.run_dir(node) / "events.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r["kind"] == "fence_result" and r.get("result") != "success"]


def test_an_override_typed_on_a_node_that_decides_nothing_lets_www_fail_over(www_lab: WwwLab) -> None:
    wait_for("www started on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=(OSError,))
    www_lab.lab.devices["nps"].control({"cmd": "fault", "fault": {"kind": "refuse-login"}})
    victim = www_lab.lab.node_pid("node1")
    assert victim is not None
    os.kill(victim, signal.SIGKILL)
    wait_for("node2's fence of node1 to fail", lambda: fence_errors(www_lab, "node2"), 30)
    www_lab.lab.power_cut("node1")  # the operator makes sure node1 is off, then says so
    env = {**os.environ, "FENCELAB_RUN_DIR": str(www_lab.lab.run_dir("node3"))}
    tool = str(Path(sys.executable).parent / "fence_ack_manual")
    ack = subprocess.run([tool, "node1"], input="absolutely\n", capture_output=True, text=True, env=env,
                         timeout=30)  # fmt: skip
    assert ack.returncode == 0, ack.stderr
    wait_for("www started on node2", lambda: www_lab.running("www", "node2"), 20, retry_on=(OSError,))
    assert wait_for("the page from node2", www_lab.http, 20) == PAGE
    assert www_lab.truth.doubles() == []
