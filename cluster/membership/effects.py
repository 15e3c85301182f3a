"""What the membership state machine is tuned by (:class:`Timing`) and gives out (:data:`Effect`)."""

from __future__ import annotations

from dataclasses import dataclass

from cluster.config import derive
from cluster.config.model import ClusterConf

from .messages import Message
from .view import ViewChange


@dataclass(frozen=True)
class Timing:
    token_ms: float = derive.DEFAULT_TOKEN_MS
    heartbeat_ms: float = derive.DEFAULT_TOKEN_MS / 4
    join_ms: float = derive.DEFAULT_JOIN_MS
    consensus_ms: float = 12000

    @classmethod
    def from_totem(
        cls,
        token_ms: float,
        node_count: int,
        join_ms: float = derive.DEFAULT_JOIN_MS,
        consensus_ms: float | None = None,
    ) -> Timing:
        consensus = (
            consensus_ms if consensus_ms is not None else derive.default_consensus(int(token_ms), node_count)
        )
        return cls(token_ms, max(token_ms / 4, 1.0), join_ms, consensus)


def timing_from_conf(conf: ClusterConf) -> Timing:
    """Protocol timing from ``<totem>``: token, join, and consensus (cman's rule when not set)."""
    return Timing.from_totem(conf.totem.token, len(conf.nodes), conf.totem.join, conf.consensus)


@dataclass(frozen=True, slots=True)
class Send:
    to: int
    message: Message


Effect = Send | ViewChange
