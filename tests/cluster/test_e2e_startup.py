"""End to end: an administrator boots the nodes one at a time, with fenced's default delays.

fenced counts post_join_delay only once quorum is reached, and a startup victim that joins during the delay
is dropped: booting nodes a few seconds apart fences nobody, while a node that never comes is still fenced.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for

pytestmark = pytest.mark.slow

DEFAULT_DELAYS = {"post_join_delay": "6", "post_fail_delay": "0", "override_time": "3"}


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[ClusterLab]:
    """Three nodes with the default fence delays, powered off: each test boots them in its own order."""
    cluster = ClusterLab(tmp_path, nodes=3, token_ms=400, fence_daemon=DEFAULT_DELAYS)
    try:
        yield cluster.start(power_on=False)
    finally:
        cluster.stop()


def boot(lab: ClusterLab, nodeid: int) -> float:
    """Power the node on; returns when the plug was switched (the node's boot starts then)."""
    assert lab.power(nodeid, "on").returncode == 0
    return time.time()


# Orders whose first node is the master-to-be fenced a late peer before the fix (the delay was used up
# while the first node waited for quorum); the third is a plain one-at-a-time start.
@pytest.mark.parametrize(("order", "gaps"), [((1, 2, 3), (5, 2)), ((2, 3, 1), (5, 3)), ((3, 1, 2), (1, 3))])
def test_nodes_booted_one_at_a_time_fence_nobody(
    lab: ClusterLab, order: tuple[int, int, int], gaps: tuple[int, int]
) -> None:
    start = time.monotonic()
    boot(lab, order[0])
    for nodeid, due in ((order[1], gaps[0]), (order[2], gaps[0] + gaps[1])):
        time.sleep(max(0.0, start + due - time.monotonic()))  # the administrator's pause: the scenario itself
        boot(lab, nodeid)
    lab.wait_up(20)
    pids = {n: lab.pid(n) for n in lab.ids()}
    # once every node is a member no victim is left anywhere: nothing can be fenced later
    for n in lab.ids():
        wait_for(
            f"node{n} without victims", lambda n=n: lab.ask(n, "fence_ls")["domain"]["victim_count"] == 0, 10
        )
    for n in lab.ids():
        assert lab.history(n) == [], f"node{n}: {lab.history(n)}"
        assert "fencing node" not in lab.fence_log(n)
    assert {n: lab.pid(n) for n in lab.ids()} == pids  # nobody was power cycled


def test_node_that_never_comes_is_fenced_post_join_delay_after_quorum(lab: ClusterLab) -> None:
    boot(lab, 1)
    time.sleep(4)  # node1 waits alone, inquorate: the scenario itself
    quorum_possible = boot(lab, 2)
    [record] = wait_for(
        "node1 to fence node3",
        lambda: [r for r in lab.history(1, "node3") if r["result"] == "success"],
        30,
    )
    assert record["by"] == "node1"
    assert (
        record["time"] - quorum_possible >= 6.0
    )  # post_join_delay counted from quorum, not from node1's start
