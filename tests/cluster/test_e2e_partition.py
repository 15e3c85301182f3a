"""End to end: network partitions made with the UDP fault hook (each node drops the other side's traffic).

- 3 nodes, node3 cut off: the majority stays quorate and fences node3; node3 loses quorum and fences nobody.
- two_node cluster split: both halves stay quorate and race; a fence delay on node1's device makes node1 win,
  so exactly one node survives (node2's agent dies with node2 when its plug goes off).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for

pytestmark = pytest.mark.slow


def partition(lab: ClusterLab, side_a: list[int], side_b: list[int]) -> None:
    for n in side_a:
        lab.ask(n, "drop", peers=side_b)
    for n in side_b:
        lab.ask(n, "drop", peers=side_a)


def heal(lab: ClusterLab, nodes: list[int]) -> None:
    for n in nodes:
        lab.ask(n, "drop", peers=[])


def test_majority_fences_minority_minority_fences_nobody(tmp_path: Path) -> None:
    # post_fail_delay gives time to look at the minority before the majority's fence kills it
    with ClusterLab(tmp_path, nodes=3, token_ms=400, fence_daemon={"post_fail_delay": "2"}) as lab:
        lab.wait_up()
        old = lab.pid(3)
        partition(lab, [1, 2], [3])
        minority = wait_for("node3 alone and inquorate", lambda: _alone_inquorate(lab), 10)
        assert minority["status"]["quorum"] == 2 and minority["status"]["total_votes"] == 1
        ls = lab.ask(3, "fence_ls")["domain"]
        assert (ls["wait_state"], ls["victims"]) == ("quorum", [1, 2])
        lab.wait_members([1, 2], [1, 2], 10)
        assert lab.status(1)["quorate"] and lab.status(2)["quorate"]
        [record] = wait_for(
            "node1 to fence node3",
            lambda: [r for r in lab.history(1, "node3") if r["result"] == "success"],
            15,
        )
        assert record["by"] == "node1"
        wait_for("node3 restarted by its plug", lambda: lab.pid(3) not in (None, old), 10)
        heal(lab, [1, 2])
        lab.wait_up(15)
        log3 = lab.fence_log(3)
        assert "fencing node" not in log3 and "running fence_nps" not in log3


def _alone_inquorate(lab: ClusterLab) -> dict[str, object] | None:
    status = lab.status(3)
    if lab.members(3) == [3] and not status["quorate"]:
        return {"status": status}
    return None


def node1_wins(nodeid: int) -> str:
    delay = ' delay="3"' if nodeid == 1 else ""  # whoever fences node1 waits 3 s first
    return f'<method name="1"><device name="nps" port="{nodeid}"{delay}/></method>'


def test_two_node_split_exactly_one_survives(tmp_path: Path) -> None:
    fence_daemon = {"post_join_delay": "10"}  # the restarted node waits for its peer before startup fencing
    with ClusterLab(
        tmp_path, nodes=2, token_ms=400, two_node=True, fence=node1_wins, fence_daemon=fence_daemon
    ) as lab:
        lab.wait_up()
        assert lab.status(1)["flags"] == ["2node"] and lab.status(1)["quorum"] == 1
        pid1, pid2 = lab.pid(1), lab.pid(2)
        partition(lab, [1], [2])
        wait_for(
            "node1 to fence node2",
            lambda: [r for r in lab.history(1, "node2") if r["result"] == "success"],
            15,
        )
        wait_for("node2 restarted by its plug", lambda: lab.pid(2) not in (None, pid2), 10)
        heal(lab, [1])
        lab.wait_up(15)
        assert lab.pid(1) == pid1  # node1 never lost power
        assert lab.power(1, "status").returncode == 0  # its plug is on
        assert "running fence_nps" in lab.fence_log(2)  # node2 tried, with the delay ...
        assert "fence node1 success" not in lab.fence_log(2)  # ... and died first
        assert not [r for r in lab.history(1, "node1") if r["result"] == "success"]
