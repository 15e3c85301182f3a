"""The node daemon's service seam: a second service plugs in beside fenced and sees only its context."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from cluster.config import load_cluster_conf
from cluster.config.model import ClusterConf
from cluster.daemon.control import Handler
from cluster.daemon.fencing import fenced_service
from cluster.daemon.node import Node
from cluster.daemon.service import Payload, ServiceContext
from cluster.membership.view import ViewChange

CONF = """<?xml version="1.0"?>
<cluster name="seam" config_version="1">
  <logging to_syslog="no" to_logfile="yes"/>
  <clusternodes>
    <clusternode name="node1" nodeid="1"/><clusternode name="node2" nodeid="2"/>
  </clusternodes>
</cluster>
"""


class Counter:
    """A second service: counts views and echoes its peers' messages back, through its context only."""

    name = "counter"

    def __init__(self, conf: ClusterConf, ctx: ServiceContext, command: str = "count") -> None:
        self.ctx, self.command = ctx, command
        self.views: list[tuple[int, bool]] = []
        self.heard: list[tuple[int, Payload]] = []

    def on_view(self, view: ViewChange, quorate: bool) -> None:
        self.views.append((view.gen, quorate))
        self.ctx.event("counted", generation=view.gen)

    def on_quorum(self, quorate: bool) -> None:
        pass

    def on_message(self, sender: int, payload: Payload) -> None:
        self.heard.append((sender, payload))

    def on_config(self, conf: ClusterConf) -> None:
        pass

    def commands(self) -> Mapping[str, Handler]:
        async def count(_: Payload) -> dict[str, Any]:
            return {"views": len(self.views)}

        return {self.command: count}

    async def close(self) -> None:
        pass


def node(tmp_path: Path, counter: Any) -> Node:
    (tmp_path / "cluster.conf").write_text(CONF)
    conf = load_cluster_conf(str(tmp_path / "cluster.conf"))
    services = {"fenced": fenced_service(), "counter": counter}
    return Node(conf, str(tmp_path / "cluster.conf"), "node1", str(tmp_path / "run"), services=services)


def test_a_second_service_gets_views_its_messages_and_its_commands(tmp_path: Path) -> None:
    made: list[Counter] = []

    def counter(conf: ClusterConf, ctx: ServiceContext) -> Counter:
        made.append(Counter(conf, ctx))
        return made[-1]

    async def scenario() -> None:
        n = node(tmp_path, counter)
        n._on_view(ViewChange(1, ((1, 10), (2, 20)), joined=(1, 2)))
        n._on_message(2, {"type": "service", "service": "counter", "body": {"hello": 1}})
        n._on_message(2, {"type": "service", "service": "fenced-not", "body": {}})  # no such service: ignored
        assert await n.commands["count"]({}) == {"views": 1}
        assert "fence_ls" in n.commands  # fenced's commands beside it
        await n.shutdown()

    asyncio.run(scenario())
    [c] = made
    assert c.views == [(1, True)] and c.heard == [(2, {"hello": 1})]
    assert (c.ctx.service, c.ctx.node_name, c.ctx.nodeid, c.ctx.log.name) == (
        "counter",
        "node1",
        1,
        "counter",
    )
    events = (tmp_path / "run/events.jsonl").read_text()
    assert '"kind":"counted","generation":1' in events and '"kind":"view"' in events


def test_two_services_cannot_claim_one_command(tmp_path: Path) -> None:
    async def scenario() -> None:
        with pytest.raises(ValueError, match="control command 'fence_ls' of counter is taken"):
            node(tmp_path, lambda conf, ctx: Counter(conf, ctx, command="fence_ls"))

    asyncio.run(scenario())
