"""Which failure a fence covers: a node's lives (incarnations) mapped to the views that saw them.

fenced says "node N fenced" with the life of N it cut (``FenceRecord.incarnation``: the node daemon's start
time, so a restarted node has a larger one). The core counts failures by view generation, and a fence at
generation G covers every failure seen at or before G. Tagging a fence with the generation current when the
news arrives is wrong when the news is late: if N restarted, rejoined and failed again meanwhile, the fence
of its old life would be taken for a fence of the new one, and its services would start elsewhere while the
new life may still run them. ``NodeLives.covered`` gives the generation a fence of a given life covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LIVES_KEPT = 32  # per node: enough to recognise any announcement still in flight


@dataclass
class Life:
    joined: int  # the first generation that had this life as a member
    lost: int | None = None  # the first generation without it (it left or failed)


@dataclass
class NodeLives:
    lives: dict[int, dict[int, Life]] = field(default_factory=dict)  # nodeid -> incarnation -> Life

    def observe(self, generation: int, incarnations: Mapping[int, int]) -> None:
        """A view was installed: ``incarnations`` maps each member to its current life."""
        for nodeid, known in self.lives.items():
            for incarnation, life in known.items():
                if life.lost is None and incarnations.get(nodeid) != incarnation:
                    life.lost = generation
        for nodeid, incarnation in incarnations.items():
            known = self.lives.setdefault(nodeid, {})
            if incarnation not in known:
                known[incarnation] = Life(joined=generation)
                while len(known) > LIVES_KEPT:
                    del known[min(known)]
            else:  # back without restarting (woke from a hang, a partition healed): the same life goes on,
                known[incarnation].lost = None  # and a cut of it also ends the failure that comes next

    def covered(self, nodeid: int, incarnation: int | None, current: int) -> int:
        """The newest generation whose failures of ``nodeid`` a fence of life ``incarnation`` covers.

        Unknown life (None): the fencer did not know it, so the fence is taken as of now (fence_node of a
        node never seen). A life we saw end: the generation that lost it. A life still a member: now (it is
        cut; the next view removes it). A life we never saw: if a later life joined since, the fence covers
        only what failed before that life joined; otherwise now.
        """
        known = self.lives.get(nodeid, {})
        if incarnation is None:
            return current
        life = known.get(incarnation)
        if life is not None:
            return current if life.lost is None else life.lost
        later = [seen.joined for inc, seen in known.items() if inc > incarnation]
        return min(later) - 1 if later else current
