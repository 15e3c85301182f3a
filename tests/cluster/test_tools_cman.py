"""cman_tool, fence_tool, fence_node and fence_ack_manual as processes against real node daemons.

The seed article's Listing 1 cluster (two_node, iscsi1 + iscsi2) joined with ``cman_tool join``:
``cman_tool status`` shows Listing 4's lines, values that depend on the running cluster aside.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.lab import free_udp_port, wait_for
from harness.tools import run

DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.slow

LISTING_4 = """\
Version: 6.2.0
Config Version: 5
Cluster Name: iscsicluster
Cluster Id: 46516
Cluster Member: Yes
Cluster Generation: <runtime>
Membership state: Cluster-Member
Nodes: 2
Expected votes: 1
Total votes: 2
Node votes: 1
Quorum: 1
Active subsystems: <runtime>
Flags: 2node
Ports Bound: 0
Node name: iscsi1
Node ID: 1
Multicast addresses: 239.192.181.106
Node addresses: 127.0.0.1
"""


def tool(name: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", f"cluster.tools.{name}", *args], stdin=stdin, timeout=30)


@contextmanager
def listing1_cluster(root: Path) -> Iterator[dict[str, str]]:
    """Listing 1 as written (cman's 10 s token), joined with cman_tool join on a free port."""
    port = str(free_udp_port(["127.0.0.1", "127.0.0.2"]))
    dirs = {n: str(root / n) for n in ("iscsi1", "iscsi2")}
    conf = str(DATA / "listing1.conf")
    try:
        for name, run_dir in dirs.items():
            joined = tool("cman_tool", "join", "-c", conf, "-n", name, "-p", port, "-d", run_dir)
            assert joined.returncode == 0, joined.stderr
        wait_for("both nodes members", lambda: all(two_members(d) for d in dirs.values()), 20)
        yield dirs
    finally:
        for run_dir in dirs.values():
            if Path(run_dir, "node.pid").exists():
                tool("cman_tool", "leave", "-d", run_dir)


@pytest.fixture(scope="module")
def listing1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running cluster from the article's Listing 1 for the module: node name -> run directory."""
    with listing1_cluster(tmp_path_factory.mktemp("listing1")) as dirs:
        yield dirs


def two_members(run_dir: str) -> bool:
    return "Nodes: 2\n" in tool("cman_tool", "status", "-d", run_dir).stdout


def test_cman_tool_status_matches_listing_4(listing1: dict[str, str]) -> None:
    out = tool("cman_tool", "status", "-d", listing1["iscsi1"])
    assert out.returncode == 0, out.stderr
    got = re.sub(r"(Cluster Generation|Active subsystems): \d+", r"\1: <runtime>", out.stdout)
    assert got == LISTING_4


def test_cman_tool_nodes_version_and_env(listing1: dict[str, str]) -> None:
    env = {"FENCELAB_RUN_DIR": listing1["iscsi2"]}
    out = run([sys.executable, "-m", "cluster.tools.cman_tool", "nodes"], env=env, timeout=30)
    lines = out.stdout.splitlines()
    assert lines[0] == "Node  Sts   Inc   Joined               Name"
    assert re.fullmatch(r"   1   M  +\d+   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  iscsi1", lines[1])
    assert re.fullmatch(r"   2   M  +\d+   \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  iscsi2", lines[2])
    out = tool("cman_tool", "nodes", "-a", "-d", listing1["iscsi2"])
    assert "       Addresses: 127.0.0.2" in out.stdout.splitlines()
    out = tool("cman_tool", "nodes", "-F", "id,name,type", "-d", listing1["iscsi2"])
    assert out.stdout == "1 iscsi1 M\n2 iscsi2 M\n"
    assert tool("cman_tool", "version", "-d", listing1["iscsi1"]).stdout == "6.2.0 config 5\n"


def test_leave_is_clean_and_not_fenced(tmp_path: Path) -> None:
    with listing1_cluster(tmp_path) as dirs:
        _leave_and_check(dirs)


def _leave_and_check(listing1: dict[str, str]) -> None:
    assert tool("cman_tool", "leave", "-d", listing1["iscsi2"]).returncode == 0
    assert not Path(listing1["iscsi2"], "node.pid").exists()
    wait_for(
        "iscsi2 gone",
        lambda: "Nodes: 1\n" in tool("cman_tool", "status", "-d", listing1["iscsi1"]).stdout,
        15,
    )
    ls = tool("fence_tool", "ls", "-d", listing1["iscsi1"])
    assert ls.stdout == (
        "fence domain\nmember count  1\nvictim count  0\nvictim now    0\nmaster nodeid 1\n"
        "wait state    none\nmembers       1 \n"
    )
    nodes = tool("cman_tool", "nodes", "-d", listing1["iscsi1"]).stdout.splitlines()
    assert re.fullmatch(r"   2   X  +\d+   .{19}  iscsi2", nodes[2])


def test_tools_without_a_node_fail_in_one_line(tmp_path: Path) -> None:
    out = tool("cman_tool", "status", "-d", str(tmp_path))
    assert out.returncode == 1
    assert out.stderr == "cman_tool: Cannot open connection to cman, is it running ?\n"
    out = run(
        [sys.executable, "-m", "cluster.tools.fence_tool", "ls"], env={"FENCELAB_RUN_DIR": ""}, timeout=30
    )
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "FENCELAB_RUN_DIR" in out.stderr
    out = tool("fence_node", "node1", "-d", str(tmp_path))
    assert out.returncode == 1 and "is it running?" in out.stderr and "Traceback" not in out.stderr
    assert tool("cman_tool", "bogus").returncode == 2
    out = tool(
        "cman_tool", "join", "-c", str(tmp_path / "missing.conf"), "-n", "x", "-d", str(tmp_path / "x")
    )
    assert out.returncode == 1 and "missing.conf" in out.stderr and "Traceback" not in out.stderr


def test_expected_votes_and_fence_ack_manual_refusals(listing1: dict[str, str]) -> None:
    out = tool("cman_tool", "expected", "-e", "5", "-d", listing1["iscsi1"])
    assert out.returncode == 1 and "expected votes can only be lowered" in out.stderr
    out = tool("fence_ack_manual", "iscsi2", "-d", listing1["iscsi1"], stdin="no\n")
    assert out.returncode == 1 and out.stdout.endswith("Continue [NO/absolutely]? Aborted.\n")
    out = tool("fence_ack_manual", "iscsi2", "-d", listing1["iscsi1"], stdin="absolutely\n")
    assert out.returncode == 1 and out.stderr == "fence_ack_manual: node iscsi2 is not waiting to be fenced\n"
