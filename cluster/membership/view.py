"""The one membership view every layer uses: produced by the protocol, installed by the node, read by
fenced and (next) the resource manager. Incarnations stay ints (the node's start time in microseconds)."""

from __future__ import annotations

from dataclasses import dataclass

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
