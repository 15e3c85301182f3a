"""The one membership view every layer uses: produced by the protocol, installed by the node, read by
fenced and (next) the resource manager. Incarnations stay ints (the node's start time in microseconds)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cluster.membership.messages import Member


@dataclass(frozen=True, slots=True)
class ViewChange:
    """A view installed: generation ``gen`` with ``members``; what changed since the previous one."""

    gen: int
    members: tuple[Member, ...]
    joined: tuple[int, ...] = ()
    left: tuple[int, ...] = ()  # left cleanly
    removed: tuple[int, ...] = ()  # left cleanly with "remove" (a subset of left)
    failed: tuple[int, ...] = ()  # lost without a clean leave (victims for fenced)

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(n for n, _ in self.members)

    @property
    def incarnations(self) -> dict[int, int]:
        return dict(self.members)


@lru_cache(maxsize=4096)  # every member of a view hashes the same list when it installs it
def view_digest(members: tuple[Member, ...]) -> int:
    """63 bits naming a member list, so a heartbeat shows its sender's view in constant size. Two sides of
    a partition can reach the same generation with different members; a 63-bit hash tells them apart."""
    text = ",".join(f"{n}:{inc}" for n, inc in members).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") >> 1


def ring_neighbours(members: tuple[Member, ...], me: int) -> tuple[int | None, int | None]:
    """(predecessor, successor) of ``me`` on the ring of the view's node ids, ``None`` when alone."""
    ids = [n for n, _ in members]
    if me not in ids or len(ids) < 2:
        return None, None
    i = ids.index(me)
    return ids[i - 1], ids[(i + 1) % len(ids)]
