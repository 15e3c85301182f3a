"""Membership protocol messages and their wire format (JSON body, HMAC-SHA256 with the cluster key).

Frame: ``b"FLM1"`` + cluster id (2 bytes, big endian) + HMAC-SHA256(key, magic + id + body) + body.
A frame from another cluster (other id) or signed with another key is dropped unread, so a node of a
different cluster on the same port is ignored and a node with the wrong key can never join.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from dataclasses import dataclass, fields
from typing import Any

MAGIC = b"FLM1"
MAX_FRAME = 65000
_TAG_LEN = 32

Member = tuple[int, int]  # (node id, incarnation)
Departure = tuple[int, int, bool]  # (node id, incarnation, remove) of a node that left cleanly


@dataclass(frozen=True, slots=True)
class _FromNode:
    sender: int
    inc: int  # the sender's incarnation


@dataclass(frozen=True, slots=True)
class Heartbeat(_FromNode):
    """Sign of life and the sender's view, named by generation and digest (constant size). ``quiet``:
    the sender only heartbeats its ring successor; ``down``: members of its view it has lost (gathering)."""

    gen: int
    view: int
    quiet: bool = False
    down: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class _View(_FromNode):
    gen: int
    members: tuple[Member, ...]
    left: tuple[Departure, ...]


@dataclass(frozen=True, slots=True)
class Propose(_View):
    """The coordinator asks the members to accept this view as generation ``gen``."""


@dataclass(frozen=True, slots=True)
class Commit(_View):
    """Every member accepted: install the view."""


@dataclass(frozen=True, slots=True)
class Ack(_FromNode):
    gen: int


@dataclass(frozen=True, slots=True)
class Nack(_FromNode):
    gen: int
    highest: int  # the highest generation the sender has promised or installed


@dataclass(frozen=True, slots=True)
class Leave(_FromNode):
    remove: bool


Message = Heartbeat | Propose | Ack | Nack | Commit | Leave

_TYPES: dict[str, type] = {
    "hb": Heartbeat,
    "prop": Propose,
    "ack": Ack,
    "nack": Nack,
    "commit": Commit,
    "leave": Leave,
}
_NAMES = {cls: name for name, cls in _TYPES.items()}


def _to_json(msg: Message) -> dict[str, Any]:
    body: dict[str, Any] = {"t": _NAMES[type(msg)]}
    for f in fields(msg):
        value = getattr(msg, f.name)
        name = f.name
        body[name] = [list(item) for item in value] if isinstance(value, tuple) else value
    return body


def _int(value: Any) -> int:
    if type(value) is not int or value < 0 or value > 2**63:
        raise ValueError("bad integer")
    return value


def _members(value: Any) -> tuple[Member, ...]:
    if not isinstance(value, list) or len(value) > 1024:
        raise ValueError("bad member list")
    if not all(isinstance(m, list) and len(m) == 2 for m in value):
        raise ValueError("bad member")
    return tuple((_int(m[0]), _int(m[1])) for m in value)


def _departures(value: Any) -> tuple[Departure, ...]:
    if not isinstance(value, list) or len(value) > 1024:
        raise ValueError("bad departure list")
    out = []
    for d in value:
        if not (isinstance(d, list) and len(d) == 3 and isinstance(d[2], bool)):
            raise ValueError("bad departure")
        out.append((_int(d[0]), _int(d[1]), d[2]))
    return tuple(out)


def _from_json(body: Any) -> Message:
    cls = _TYPES[body["t"]]
    values: dict[str, Any] = {}
    for f in fields(cls):
        name = f.name
        raw = body[name]
        if name in ("members", "down"):
            values[name] = _members(raw)
        elif name == "left":
            values[name] = _departures(raw)
        elif name in ("remove", "quiet"):
            if not isinstance(raw, bool):
                raise ValueError("bad flag")
            values[name] = raw
        else:
            values[name] = _int(raw)
    return cls(**values)


class Codec:
    """Encodes and authenticates frames for one cluster (id + key)."""

    def __init__(self, key: bytes, cluster_id: int) -> None:
        self._key = key
        self._prefix = MAGIC + struct.pack("!H", cluster_id & 0xFFFF)

    def _tag(self, body: bytes) -> bytes:
        return hmac.new(self._key, self._prefix + body, hashlib.sha256).digest()

    def encode(self, msg: Message) -> bytes:
        body = json.dumps(_to_json(msg), separators=(",", ":")).encode()
        return self._prefix + self._tag(body) + body

    def decode(self, frame: bytes) -> Message | None:
        """The message, or ``None`` for anything not from this cluster or not well formed."""
        if len(frame) > MAX_FRAME or not frame.startswith(self._prefix):
            return None
        tag, body = (
            frame[len(self._prefix) : len(self._prefix) + _TAG_LEN],
            frame[len(self._prefix) + _TAG_LEN :],
        )
        if not hmac.compare_digest(tag, self._tag(body)):
            return None
        try:
            return _from_json(json.loads(body))
        except (ValueError, KeyError, TypeError, IndexError):
            return None
