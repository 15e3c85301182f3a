"""One daemon per run directory, and every tool finds the directory the same way.

A second ``cman_tool join`` must not orphan a running node: the daemon holds a lock on its run directory,
a duplicate join exits 1 with cman's message and touches nothing; a node daemon that does not answer is
reported as such, not as "not running".
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lab import free_udp_port, wait_for
from harness.tools import our_tool, pid_running, run

pytestmark = pytest.mark.slow

CONF = """<?xml version="1.0"?>
<cluster name="rundirs" config_version="1">
  <cman port="{port}"/>
  <totem token="400"/>
  <logging to_syslog="no" to_logfile="yes"/>
  <clusternodes>
    <clusternode name="node1" nodeid="1"/>
    <clusternode name="node2" nodeid="2"/>
  </clusternodes>
</cluster>
"""


@pytest.fixture
def conf(tmp_path: Path) -> Iterator[Path]:
    """A two-node cluster.conf on a free port; any node daemon the test left running is killed after."""
    path = tmp_path / "cluster.conf"
    path.write_text(CONF.format(port=free_udp_port(["127.0.0.1", "127.0.0.2"])))
    yield path
    for pidfile in tmp_path.rglob("node.pid"):  # whatever the test left running
        try:
            pid = int(pidfile.read_text())
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass


def tool(name: str, *args: str, **env: str) -> tuple[int, str, str]:
    done = run([sys.executable, "-m", f"cluster.tools.{name}", *args], env={"FENCELAB_RUN_DIR": "", **env})
    return done.returncode, done.stdout, done.stderr


def snapshot(run_dir: Path) -> dict[str, tuple[int, int, int]]:
    """The daemon's own files with inode, size and mtime: what a refused start must leave alone."""
    files = [run_dir / name for name in ("node.lock", "node.pid", "control.sock")]
    return {p.name: (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns) for p in files}


def test_second_join_of_an_active_node_exits_1_and_touches_nothing(conf: Path, tmp_path: Path) -> None:
    node1 = tmp_path / "node1"
    assert tool("cman_tool", "join", "-c", str(conf), "-n", "node1", "-d", str(node1))[0] == 0
    pid = int((node1 / "node.pid").read_text())
    before = snapshot(node1)
    assert tool("cman_tool", "join", "-c", str(conf), "-n", "node1", "-d", str(node1)) == (
        1,
        "",
        "cman_tool: Node is already active\n",
    )
    # FENCELAB_RUN_DIR at node1's directory: node2 must not start there
    code, _, err = tool("cman_tool", "join", "-c", str(conf), "-n", "node2", FENCELAB_RUN_DIR=str(node1))
    assert code == 1 and f"run directory of node node1 (pid {pid})" in err, err
    # a daemon started by hand into the held directory refuses before writing anything
    done = run(
        [our_tool("fencelab-node"), "-c", str(conf), "-n", "node1", "--run-dir", str(node1)], timeout=30
    )
    assert done.returncode == 1
    assert done.stderr == f"fencelab-node: run directory {node1} is held by node node1 (pid {pid})\n"
    assert snapshot(node1) == before
    assert "Node name: node1" in tool("cman_tool", "status", "-d", str(node1))[1]
    assert int((node1 / "node.pid").read_text()) == pid and pid_running(pid)


def test_join_without_d_uses_the_default_every_tool_looks_at(conf: Path, tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path / "xdg")}
    assert tool("cman_tool", "join", "-c", str(conf), "-n", "node2", **env)[0] == 0
    assert (tmp_path / "xdg/fencelab/node.pid").exists()
    assert "Node name: node2" in tool("cman_tool", "status", **env)[1]
    assert "node2" in tool("cman_tool", "nodes", **env)[1]
    assert tool("fence_tool", "ls", **env)[1].startswith("fence domain\n")
    pid = int((tmp_path / "xdg/fencelab/node.pid").read_text())
    assert tool("cman_tool", "leave", **env)[0] == 0
    wait_for("node2 to stop", lambda: not pid_running(pid), 10)


def test_a_stopped_daemon_is_not_answering_not_not_running(conf: Path, tmp_path: Path) -> None:
    node1 = tmp_path / "node1"
    assert tool("cman_tool", "join", "-c", str(conf), "-n", "node1", "-d", str(node1))[0] == 0
    pid = int((node1 / "node.pid").read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        code, _, err = tool("cman_tool", "status", "-d", str(node1), "-t", "1")
        assert (code, err) == (1, f"cman_tool: the node daemon at {node1} is not answering within 1 s\n")
        # and a join for it is still refused: the lock says it lives
        assert tool("cman_tool", "join", "-c", str(conf), "-n", "node1", "-d", str(node1))[2] == (
            "cman_tool: Node is already active\n"
        )
    finally:
        os.kill(pid, signal.SIGCONT)
