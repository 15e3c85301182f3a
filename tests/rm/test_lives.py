"""Which failure a fence covers: a late announcement of a fence of an old life covers only that life."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from cluster.config import load_cluster_conf
from cluster.daemon.rgmanager import RgManagerService
from cluster.daemon.service import Payload, ServiceContext
from cluster.membership.view import ViewChange
from cluster.rm.lives import NodeLives

OLD, NEW = 1_000, 2_000  # node 3's two lives (incarnations grow with the start time)


def lives_of_a_node_that_restarted() -> NodeLives:
    lives = NodeLives()
    lives.observe(1, {1: 10, 2: 20, 3: OLD})
    lives.observe(2, {1: 10, 2: 20})  # node 3 fails
    lives.observe(3, {1: 10, 2: 20, 3: NEW})  # it rebooted and rejoined
    lives.observe(4, {1: 10, 2: 20})  # and failed again
    return lives


def test_a_life_that_rejoins_without_restarting_is_covered_up_to_its_last_loss() -> None:
    lives = NodeLives()
    lives.observe(1, {1: 10, 2: 20, 3: OLD})
    lives.observe(2, {1: 10, 2: 20})  # node 3 hangs: dropped
    lives.observe(3, {1: 10, 2: 20, 3: OLD})  # it wakes and is let back in, the same life
    lives.observe(4, {1: 10, 2: 20})  # the fence cuts it: dropped again
    assert lives.covered(3, OLD, current=4) == 4  # the cut of that life ends its second failure too


def test_a_fence_of_the_old_life_covers_only_the_first_failure() -> None:
    lives = lives_of_a_node_that_restarted()
    assert lives.covered(3, OLD, current=4) == 2
    assert lives.covered(3, NEW, current=4) == 4


def test_a_fence_of_a_life_still_member_counts_as_now() -> None:
    lives = NodeLives()
    lives.observe(1, {1: 10, 3: OLD})
    assert lives.covered(3, OLD, current=1) == 1


def test_a_life_never_seen_covers_only_what_failed_before_a_later_life_joined() -> None:
    lives = NodeLives()
    lives.observe(5, {1: 10, 3: NEW})
    lives.observe(6, {1: 10})
    assert lives.covered(3, OLD, current=6) == 4
    assert lives.covered(3, NEW + 1, current=6) == 6  # a newer life we missed: as of now
    assert lives.covered(3, None, current=6) == 6  # the fencer did not know the life


CONF = """<?xml version="1.0"?>
<cluster name="lives" config_version="1">
  <clusternodes>
    <clusternode name="node1" nodeid="1"/><clusternode name="node2" nodeid="2"/>
    <clusternode name="node3" nodeid="3"/>
  </clusternodes>
  <rm/>
</cluster>
"""


def test_the_daemon_takes_a_late_fence_of_an_old_life_for_that_life_only(tmp_path: Path) -> None:
    conf_path = tmp_path / "cluster.conf"
    conf_path.write_text(CONF)
    conf = load_cluster_conf(conf_path)
    events: list[tuple[str, Payload]] = []

    def send(service: str, payload: Payload) -> None:
        pass

    def event(kind: str, fields: Payload) -> None:
        events.append((kind, fields))

    ctx = ServiceContext("rgmanager", "node1", 1, logging.getLogger("rgmanager"), send, event)

    async def run() -> dict[int, Any]:
        rm = RgManagerService(conf, ctx)
        try:
            for gen, members in ((1, ((1, 10), (2, 20), (3, OLD))), (2, ((1, 10), (2, 20))),
                                 (3, ((1, 10), (2, 20), (3, NEW))), (4, ((1, 10), (2, 20)))):  # fmt: skip
                rm.on_view(ViewChange(gen, members), quorate=True)
            rm.on_event("fenced", {"victim": "node3", "result": "success", "incarnation": OLD})
            after_old = dict(rm.core.fenced)
            assert not rm.core.fenced_since_failure(3)
            rm.on_event("fenced", {"victim": "node3", "result": "success", "incarnation": NEW})
            assert rm.core.fenced_since_failure(3)
            return after_old
        finally:
            await rm.close()

    assert asyncio.run(run())[3] == 2
