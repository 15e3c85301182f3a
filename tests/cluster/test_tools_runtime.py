"""cman_tool version -r, kill and expected, and fence_tool ls -n, on a running 3-node lab cluster."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for
from harness.tools import run

pytestmark = pytest.mark.slow


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[ClusterLab]:
    """A 3-node ClusterLab (token 400 ms) with every node a member; stopped after."""
    with ClusterLab(tmp_path, nodes=3, token_ms=400) as cluster:
        cluster.wait_up()
        yield cluster


def tool(lab: ClusterLab, nodeid: int, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run(
        [sys.executable, "-m", f"cluster.tools.{name}", *args, "-d", str(lab.run_dir(nodeid))], timeout=30
    )


def test_version_reload_needs_a_newer_config_and_reaches_every_node(lab: ClusterLab) -> None:
    out = tool(lab, 1, "cman_tool", "version", "-r")
    assert out.returncode == 1
    assert out.stderr == "cman_tool: Not reloading, config version older or equal the running config\n"
    text = lab.conf_path.read_text().replace('config_version="1"', 'config_version="2"')
    lab.conf_path.write_text(text.replace('post_join_delay="1"', 'post_join_delay="2"'))
    assert tool(lab, 1, "cman_tool", "version", "-r").returncode == 0
    for n in (1, 2, 3):
        wait_for(
            f"node{n} on config 2",
            lambda: tool(lab, n, "cman_tool", "version").stdout == "6.2.0 config 2\n",  # noqa: B023
            10,
        )
    assert "Config Version: 2\n" in tool(lab, 3, "cman_tool", "status").stdout


def test_kill_stops_a_node_which_is_then_fenced(lab: ClusterLab) -> None:
    old = lab.pid(3)
    assert tool(lab, 1, "cman_tool", "kill", "-n", "node3").returncode == 0
    wait_for(
        "node1 to fence node3", lambda: [r for r in lab.history(1, "node3") if r["result"] == "success"], 15
    )
    cman_log = (lab.run_dir(3) / "var/log/cluster/cman.log").read_text()
    assert "cman killed by node node1 because we were killed by cman_tool" in cman_log
    wait_for("node3 back", lambda: lab.pid(3) not in (None, old), 10)
    lab.wait_members([1], [1, 2, 3], 10)
    ls = tool(lab, 1, "fence_tool", "ls", "-n").stdout.splitlines()
    [node3] = [line for line in ls if line.startswith("node 3 ")]
    assert node3.startswith("node 3 node3 member 1 victim 0 last failure 2") and "fenced never" not in node3


def test_expected_votes_lowered_after_a_clean_leave(lab: ClusterLab) -> None:
    assert tool(lab, 3, "cman_tool", "leave").returncode == 0
    lab.wait_members([1, 2], [1, 2], 10)
    status = tool(lab, 1, "cman_tool", "status").stdout
    assert "Expected votes: 3\n" in status and "Quorum: 2\n" in status  # quorum never decreases by itself
    out = tool(lab, 1, "cman_tool", "expected", "-e", "4")
    assert (
        out.returncode == 1 and out.stderr == "cman_tool: expected votes can only be lowered (currently 3)\n"
    )
    assert tool(lab, 1, "cman_tool", "expected", "-e", "2").returncode == 0
    status = tool(lab, 2, "cman_tool", "status").stdout
    assert "Expected votes: 3\n" in status  # expected votes are per node, as in cman
    status = tool(lab, 1, "cman_tool", "status").stdout
    assert "Expected votes: 2\n" in status and "Quorum: 2\n" in status
    ls = tool(lab, 1, "fence_tool", "ls", "-n").stdout.splitlines()
    assert ls[:7] == [
        "fence domain",
        "member count  2",
        "victim count  0",
        "victim now    0",
        "master nodeid 1",
        "wait state    none",
        "members       1 2 ",
    ]
    assert "node 3 node3 member 0 victim 0 last failure never last fenced never" in ls, ls


def test_leave_remove_lowers_expected_votes(lab: ClusterLab) -> None:
    assert tool(lab, 3, "cman_tool", "leave", "remove").returncode == 0
    lab.wait_members([1, 2], [1, 2], 10)
    wait_for(
        "expected votes 2", lambda: "Expected votes: 2\n" in tool(lab, 1, "cman_tool", "status").stdout, 5
    )
    assert lab.ask(1, "fence_ls")["domain"]["victim_count"] == 0
