"""End to end: real node daemons powered by an emulated NPS, fenced through the real fence_nps process.

A dead or hung node is fenced by the master over the switch; the plug's power-off kills the node's
process group (a hung process too), the reboot powers it back on, and the restarted node rejoins.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for
from harness.tools import pid_running, run

pytestmark = pytest.mark.slow


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[ClusterLab]:
    """A 3-node ClusterLab (token 400 ms) with every node a member; stopped after."""
    with ClusterLab(tmp_path, nodes=3, token_ms=400) as cluster:
        cluster.wait_up()
        yield cluster


def tool(lab: ClusterLab, nodeid: int, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"FENCELAB_RUN_DIR": str(lab.run_dir(nodeid))}
    return run([sys.executable, "-m", f"cluster.tools.{name}", *args], env=env, timeout=30)


def successes(lab: ClusterLab, nodeid: int, victim: str) -> list[dict[str, object]]:
    return [r for r in lab.history(nodeid, victim) if r["result"] == "success"]


def fenced_and_back(lab: ClusterLab, old_pid: int) -> None:
    """node3 was fenced by node1 with fence_nps, its old process is gone, a new one rejoined."""
    [record] = wait_for("node3 fenced", lambda: successes(lab, 1, "node3"), 15)
    assert (record["method"], record["device"], record["by"]) == ("1", "nps", "node1")
    wait_for("the old node3 process to be gone", lambda: not pid_running(old_pid), 10)
    lab.wait_members([1, 2, 3], [1, 2, 3], 15)
    assert lab.pid(3) != old_pid
    # node2 deferred to the master and learnt the result from it
    assert "fencing deferred to node1" in (lab.run_dir(2) / "var/log/cluster/fenced.log").read_text()
    assert wait_for("node2 to learn node3 is fenced", lambda: successes(lab, 2, "node3"), 5)
    # one history: node2 shows what the master did (never a "skipped" of its own for node3's reboot)
    wait_for("node2's history to be node1's", lambda: lab.history(2, "node3") == lab.history(1, "node3"), 5)


def test_killed_node_is_fenced_power_cycled_and_rejoins(lab: ClusterLab) -> None:
    old = lab.pid(3)
    assert old is not None
    os.kill(old, signal.SIGKILL)
    wait_for("survivors to drop node3", lambda: lab.members(1) == [1, 2] and lab.members(2) == [1, 2], 10)
    assert lab.status(1)["quorate"] and lab.status(2)["quorate"]
    fenced_and_back(lab, old)
    log = lab.fence_log(1)
    assert "fencing node node3" in log
    assert "fence node3 dev 0.0 agent fence_nps result: success" in log
    assert "agent fence_nps stdout: Success: Rebooted" in log
    assert "redhat123" not in log and "passwd=***" in log
    # the node daemon's event stream (docs/events.md) tells the same story
    events = lab.events(1)
    assert all(e["src"] == "node1" and isinstance(e["t"], float) for e in events)
    [call] = [e for e in events if e["kind"] == "fence_call" and e["victim"] == "node3"]
    [result] = [e for e in events if e["kind"] == "fence_result" and e["victim"] == "node3"]
    assert (call["agent"], call["device"], result["result"]) == ("fence_nps", "nps", "success")
    assert any(e["kind"] == "view" and e["members"] == [1, 2] and e["failed"] == [3] for e in events)
    assert call["t"] <= result["t"] and any(e["kind"] == "quorum" and e["quorate"] for e in events)
    ls = tool(lab, 1, "fence_tool", "ls")
    assert ls.stdout == (
        "fence domain\nmember count  3\nvictim count  0\nvictim now    0\nmaster nodeid 1\n"
        "wait state    none\nmembers       1 2 3 \n"
    )
    history = tool(lab, 1, "fence_tool", "history", "node3").stdout.splitlines()
    assert any(
        " node3 " in line and " success " in line and line.endswith("node1  (exit 0)") for line in history
    )


def test_hung_node_is_fenced_and_its_process_killed(lab: ClusterLab) -> None:
    old = lab.pid(3)
    assert old is not None
    os.kill(old, signal.SIGSTOP)  # hung: alive, holding its state, silent
    try:
        fenced_and_back(lab, old)
    finally:
        if pid_running(old):
            os.kill(old, signal.SIGCONT)


def test_fence_node_tool_and_unfence(lab: ClusterLab) -> None:
    old = lab.pid(2)
    out = tool(lab, 1, "fence_node", "node2")
    assert (out.returncode, out.stdout) == (0, "fence node2 success\n"), out.stderr
    wait_for("node2 restarted", lambda: lab.pid(2) not in (None, old), 10)
    lab.wait_members([1, 2, 3], [1, 2, 3], 15)
    out = tool(lab, 1, "fence_node", "-U", "node2")  # no <unfence> section: nothing to do, fails
    assert out.returncode == 1
    assert out.stderr == "unfence node2 failed: node2 has no <unfence> devices in cluster.conf\n"
    [record] = [r for r in lab.history(1, "node2") if r["by"] == "fence_node"]
    assert record["result"] == "success"
