"""A thin asyncio UDP adapter that runs one :class:`MembershipNode` on a socket.

Frames are authenticated (see :mod:`messages`); a frame must also come from the address configured for
its sender. ``blocked`` is a fault hook for partition tests: traffic to and from those node ids is
dropped, as a firewall would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .messages import Codec
from .protocol import Effect, MembershipNode, Send, ViewChange

Address = tuple[str, int]


class MembershipEndpoint(asyncio.DatagramProtocol):
    def __init__(
        self,
        machine: MembershipNode,
        codec: Codec,
        peers: dict[int, Address] | None = None,
        on_view: Callable[[ViewChange], None] | None = None,
    ) -> None:
        self.machine = machine
        self.codec = codec
        self.peers: dict[int, Address] = dict(peers or {})
        self.on_view = on_view
        self.blocked: set[int] = set()
        self.rejected = 0  # frames dropped: wrong cluster, wrong key, malformed or from a wrong address
        self.view: ViewChange | None = None
        self.address: Address | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._changed = asyncio.Event()

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self, host: str, port: int = 0) -> Address:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self._transport = transport
        sockname = transport.get_extra_info("sockname")
        self.address = (str(sockname[0]), int(sockname[1]))
        return self.address

    def join(self) -> None:
        self._apply(self.machine.join(self._now()))

    def leave(self, remove: bool = False) -> None:
        self._apply(self.machine.leave(self._now(), remove))

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._transport is not None:
            self._transport.close()

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> None:
        """Wait until ``condition()`` holds, re-checked whenever a frame arrives or a view is installed;
        raise TimeoutError after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_for_view(self, predicate: Callable[[ViewChange], bool], timeout: float) -> ViewChange:
        """Wait until the installed view satisfies ``predicate``."""
        await self.wait_until(lambda: self.view is not None and predicate(self.view), timeout)
        assert self.view is not None
        return self.view

    # -- asyncio callbacks -------------------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self._changed.set()
        msg = self.codec.decode(data)
        if msg is None or self.peers.get(msg.sender) != (addr[0], addr[1]):
            self.rejected += 1
            return
        if msg.sender in self.blocked:
            return
        self._apply(self.machine.receive(self._now(), msg))

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP "port unreachable" from a peer that is down: heartbeats carry on regardless

    # -- internals ---------------------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time() * 1000.0

    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Send):
                peer = self.peers.get(effect.to)
                if peer is not None and effect.to not in self.blocked and self._transport is not None:
                    self._transport.sendto(self.codec.encode(effect.message), peer)
            else:
                self.view = effect
                self._changed.set()
                if self.on_view is not None:
                    self.on_view(effect)
        self._schedule()

    def _schedule(self) -> None:
        loop = asyncio.get_running_loop()
        at = loop.time() + self.machine.wakeup_in() / 1000.0
        if self._timer is not None and not self._timer.cancelled() and self._timer_at <= at:
            return  # the pending timer fires earlier; it will reschedule
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = at
        self._timer = loop.call_at(at, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._apply(self.machine.tick(self._now()))
