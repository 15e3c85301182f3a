"""The node's network side: the membership state machine (cluster.membership) on UDP, plus the daemons'
peer channel. Also the fault hook: drop all traffic to and from chosen nodes (a partition, in software).

Addresses: a node whose name resolves to a non-loopback address uses it; otherwise node N uses 127.0.0.N
(Linux routes all of 127.0.0.0/8), so a lab cluster needs no configuration. Membership uses the cman port,
the peer channel the port above it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from cluster.config.model import ClusterConf
from cluster.daemon.peer_channel import PeerChannel
from cluster.membership.messages import Codec
from cluster.membership.protocol import MembershipNode, Send, Timing, ViewChange


@dataclass(frozen=True)
class View:
    generation: int
    members: dict[int, str]  # node id -> incarnation
    left: frozenset[int]
    removed: frozenset[int]


def node_address(name: str, nodeid: int) -> str:
    try:
        address = socket.gethostbyname(name)
    except OSError:
        address = ""
    if not address or address.startswith("127."):
        return f"127.0.0.{nodeid}"
    return address


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, Any], None]) -> None:
        self.on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.on_datagram(data, addr)


class MembershipLink:
    def __init__(
        self,
        conf: ClusterConf,
        nodeid: int,
        incarnation: int,
        on_view: Callable[[View], None],
        on_message: Callable[[int, dict[str, Any]], None],
        logger: logging.Logger,
    ) -> None:
        self.nodeid = nodeid
        self.addresses = {n.nodeid: node_address(n.name, n.nodeid) for n in conf.nodes}
        self._port = conf.port
        self._codec = Codec(conf.totem_key(), conf.cluster_id)
        timing = Timing.from_totem(conf.totem.token, len(conf.nodes), conf.totem.join, conf.consensus)
        self.machine = MembershipNode(nodeid, incarnation, self.addresses, timing)
        self._on_view = on_view
        self._log = logger
        self._transport: asyncio.DatagramTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.dropped: frozenset[int] = frozenset()
        self._by_address = {addr: n for n, addr in self.addresses.items()}
        endpoints = {n: (addr, self._port + 1) for n, addr in self.addresses.items()}
        self.peers = PeerChannel(conf.totem_key(), nodeid, endpoints, on_message, logger)

    # ---- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Datagrams(self._datagram), local_addr=(self.addresses[self.nodeid], self._port)
        )
        self._transport = transport
        await self.peers.start()
        self._apply(self.machine.join(self._now()))

    async def leave(self, remove: bool) -> None:
        self._apply(self.machine.leave(self._now(), remove))
        await self.close()

    def abort(self) -> None:
        """Stop talking at once (cman_tool kill): the others see a failure, not a leave."""
        if self._timer:
            self._timer.cancel()
        if self._transport:
            self._transport.close()
            self._transport = None
        self.peers.close()

    async def close(self) -> None:
        self.abort()

    # ---- fault hook and peer messages ---------------------------------------------------------------
    def drop(self, peers: Collection[int]) -> None:
        self.dropped = frozenset(peers)
        self.peers.drop(peers)

    def send(self, payload: dict[str, Any]) -> None:
        self.peers.send(payload)

    # ---- driving the state machine ------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return time.monotonic() * 1000.0

    def _datagram(self, data: bytes, addr: Any) -> None:
        message = self._codec.decode(data)
        if message is None or message.sender in self.dropped:
            return
        self._apply(self.machine.receive(self._now(), message))

    def _tick(self) -> None:
        self._timer = None
        self._apply(self.machine.tick(self._now()))

    def _apply(self, effects: list[Send | ViewChange]) -> None:
        for effect in effects:
            if isinstance(effect, Send):
                if self._transport is not None and effect.to not in self.dropped:
                    frame = self._codec.encode(effect.message)
                    self._transport.sendto(frame, (self.addresses[effect.to], self._port))
            else:
                self._log.info(
                    f"members generation {effect.gen}: {list(effect.member_ids)}"
                    f" joined {list(effect.joined)} left {list(effect.left)} failed {list(effect.failed)}"
                )
                self._on_view(
                    View(
                        effect.gen,
                        {n: str(inc) for n, inc in effect.members},
                        frozenset(effect.left),
                        frozenset(effect.removed),
                    )
                )
        self._rearm()

    def _rearm(self) -> None:
        if self._transport is None:
            return
        if self._timer:
            self._timer.cancel()
        delay = max(0.001, self.machine.wakeup_in() / 1000.0)
        self._timer = asyncio.get_running_loop().call_later(delay, self._tick)
