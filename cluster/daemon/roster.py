"""What the node knows about every configured node: membership history for ``cman_tool nodes``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cluster.config.model import ClusterConf


@dataclass
class NodeRecord:
    nodeid: int
    name: str
    votes: int
    status: str = "X"  # M member, X dead / never seen, d disallowed
    inc: int = 0  # the generation in which it joined
    joined: float | None = None
    incarnation: int | None = None
    addresses: list[str] = field(default_factory=list)

    def to_json(self, expected: int) -> dict[str, Any]:
        return {
            "id": self.nodeid,
            "name": self.name,
            "status": self.status,
            "inc": self.inc,
            "joined": self.joined,
            "votes": self.votes,
            "exp": expected,
            "addresses": self.addresses,
        }


class Roster:
    def __init__(self, conf: ClusterConf, addresses: Mapping[int, str]) -> None:
        self.nodes = {
            n.nodeid: NodeRecord(n.nodeid, n.name, n.votes, addresses=[addresses.get(n.nodeid, "")])
            for n in conf.nodes
        }

    def install(self, generation: int, members: Mapping[int, int], now: float) -> tuple[set[int], set[int]]:
        """Record a new membership; returns (joined, lost) node ids."""
        joined: set[int] = set()
        lost: set[int] = set()
        for nodeid, record in self.nodes.items():
            if nodeid in members:
                if record.status != "M" or record.incarnation != members[nodeid]:
                    record.status, record.inc, record.joined = "M", generation, now
                    record.incarnation = members[nodeid]
                    joined.add(nodeid)
            elif record.status == "M":
                record.status = "X"
                lost.add(nodeid)
        return joined, lost

    def member_ids(self) -> list[int]:
        return sorted(n for n, r in self.nodes.items() if r.status == "M")

    def votes_of(self, nodeids: list[int]) -> int:
        return sum(self.nodes[n].votes for n in nodeids if n in self.nodes)
