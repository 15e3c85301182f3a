"""The daemons' own messages between nodes (fence results, cman_tool kill, config reload) over UDP.

Membership has its own protocol; this channel carries what the daemons above it tell each other. Frames are
authenticated with the cluster key (HMAC-SHA256) so another cluster's daemons, or a wrong key, are ignored.
Each message is sent a few times: UDP may drop one, and every message is idempotent at the receiver.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, cast

MAGIC = b"FLD1"
TAG = 32
REPEATS = 3


def encode(key: bytes, sender: int, seq: tuple[int, int], payload: Mapping[str, Any]) -> bytes:
    """``seq`` is (boot, counter): boot changes when the sender restarts, so its counter may start over."""
    data = {"from": sender, "seq": list(seq), "msg": dict(payload)}
    body = json.dumps(data, separators=(",", ":")).encode()
    return MAGIC + hmac.new(key, MAGIC + body, hashlib.sha256).digest() + body


def decode(key: bytes, frame: bytes) -> tuple[int, tuple[int, int], dict[str, Any]] | None:
    if not frame.startswith(MAGIC) or len(frame) < len(MAGIC) + TAG:
        return None
    tag, body = frame[len(MAGIC) : len(MAGIC) + TAG], frame[len(MAGIC) + TAG :]
    if not hmac.compare_digest(tag, hmac.new(key, MAGIC + body, hashlib.sha256).digest()):
        return None
    try:
        data = json.loads(body)
        boot, counter = data["seq"]
        return int(data["from"]), (int(boot), int(counter)), dict(data["msg"])
    except (ValueError, KeyError, TypeError):
        return None


class PeerChannel(asyncio.DatagramProtocol):
    def __init__(
        self,
        key: bytes,
        nodeid: int,
        endpoints: Mapping[int, tuple[str, int]],
        on_message: Callable[[int, dict[str, Any]], None],
        logger: logging.Logger,
    ) -> None:
        self._key = key
        self._nodeid = nodeid
        self._endpoints = dict(endpoints)
        self._on_message = on_message
        self._log = logger
        self._transport: asyncio.DatagramTransport | None = None
        self._boot = time.time_ns()
        self._seq = 0
        self._seen: dict[int, set[tuple[int, int]]] = {}
        self.dropped: frozenset[int] = frozenset()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=self._endpoints[self._nodeid])

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def drop(self, peers: Collection[int]) -> None:
        self.dropped = frozenset(peers)

    def send(self, payload: Mapping[str, Any], to: Collection[int] | None = None) -> None:
        if self._transport is None:
            return
        self._seq += 1
        frame = encode(self._key, self._nodeid, (self._boot, self._seq), payload)
        targets = [n for n in (to if to is not None else self._endpoints) if n != self._nodeid]
        for _ in range(REPEATS):
            for nodeid in targets:
                if nodeid not in self.dropped:
                    self._transport.sendto(frame, self._endpoints[nodeid])

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        decoded = decode(self._key, data)
        if decoded is None:
            return
        sender, seq, payload = decoded
        if sender in self.dropped or sender == self._nodeid or sender not in self._endpoints:
            return
        seen = self._seen.setdefault(sender, set())
        if seq in seen:
            return
        seen.add(seq)
        if len(seen) > 1000:
            seen.difference_update(sorted(seen)[:500])
        self._on_message(sender, payload)

    def error_received(self, exc: Exception) -> None:
        self._log.debug(f"peer channel: {exc}")
