"""The node's network side: the membership state machine (cluster.membership) on UDP, plus the daemons'
peer channel. Also the fault hook: drop all traffic to and from chosen nodes (a partition, in software).

Addresses (:mod:`cluster.daemon.names`): every node name once, local files before DNS, one deadline; a
name that resolves to loopback or not at all gives node N 127.0.0.N (Linux routes all of 127.0.0.0/8), so a
lab cluster needs no configuration. Membership uses the cman port, the peer channel the port above it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from cluster.config.model import ClusterConf
from cluster.daemon.names import DEFAULT_DEADLINE_S, resolve_nodes
from cluster.daemon.peer_channel import PeerChannel
from cluster.membership.messages import Codec
from cluster.membership.protocol import MembershipNode, Timing
from cluster.membership.udp import MembershipEndpoint
from cluster.membership.view import ViewChange


class MembershipLink:
    def __init__(
        self,
        conf: ClusterConf,
        nodeid: int,
        incarnation: int,
        on_view: Callable[[ViewChange], None],
        on_message: Callable[[int, dict[str, Any]], None],
        logger: logging.Logger,
    ) -> None:
        self.nodeid = nodeid
        resolved = resolve_nodes({n.nodeid: n.name for n in conf.nodes})
        for name in resolved.late:
            logger.warning(f"no address for {name} within {DEFAULT_DEADLINE_S:g}s; using 127.0.0.<nodeid>")
        self.addresses = resolved.addresses
        self._port = conf.port
        timing = Timing.from_totem(conf.totem.token, len(conf.nodes), conf.totem.join, conf.consensus)
        machine = MembershipNode(nodeid, incarnation, self.addresses, timing)
        peers = {n: (addr, self._port) for n, addr in self.addresses.items()}
        codec = Codec(conf.totem_key(), conf.cluster_id)
        self.endpoint = MembershipEndpoint(machine, codec, peers, self._view)
        self._on_view = on_view
        self._log = logger
        self._open = False
        endpoints = {n: (addr, self._port + 1) for n, addr in self.addresses.items()}
        self.peers = PeerChannel(conf.totem_key(), nodeid, endpoints, on_message, logger)

    # ---- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.endpoint.start(self.addresses[self.nodeid], self._port)
        await self.peers.start()
        self._open = True
        self.endpoint.join()

    async def leave(self, remove: bool) -> None:
        self.endpoint.leave(remove)
        await self.close()

    def abort(self) -> None:
        """Stop talking at once (cman_tool kill): the others see a failure, not a leave."""
        self._open = False
        self.endpoint.close()
        self.peers.close()

    async def close(self) -> None:
        self.abort()

    # ---- fault hook and peer messages ---------------------------------------------------------------
    def drop(self, peers: Collection[int]) -> None:
        self.endpoint.blocked = set(peers)
        self.peers.drop(peers)

    def send(self, payload: dict[str, Any]) -> None:
        self.peers.send(payload)

    def _view(self, change: ViewChange) -> None:
        if not self._open:
            return
        self._log.info(
            f"members generation {change.gen}: {list(change.member_ids)}"
            f" joined {list(change.joined)} left {list(change.left)} failed {list(change.failed)}"
        )
        self._on_view(change)
