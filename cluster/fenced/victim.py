"""A victim of the fence domain and its phases; every phase change goes through :meth:`Victim.move`.

DELAY -> READY when its delay ran out; READY -> CALLING when its next agent runs, or -> RETRY_WAIT when a
pass failed without a call; CALLING -> READY with the result, or -> DELAY when the node failed again in a
new life while the agent ran (that call cannot cover it); RETRY_WAIT -> READY when the override window ends.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from cluster.fenced.attempt import Attempt, CallSpec
from cluster.fenced.plan import NodeFencing


class Phase(enum.Enum):
    DELAY = "delay"  # waiting post_fail_delay / post_join_delay
    READY = "ready"
    CALLING = "calling"
    RETRY_WAIT = "retry-wait"  # all methods failed: override window, then retry


ALLOWED: dict[Phase, frozenset[Phase]] = {
    Phase.DELAY: frozenset({Phase.READY}),
    Phase.READY: frozenset({Phase.CALLING, Phase.RETRY_WAIT}),
    Phase.CALLING: frozenset({Phase.READY, Phase.DELAY}),
    Phase.RETRY_WAIT: frozenset({Phase.READY}),
}


class TransitionError(RuntimeError):
    """A phase change the table does not allow: a bug in the domain, never a user error."""


@dataclass
class Victim:
    node: NodeFencing
    failed_at: float
    incarnation: int | None  # None for startup victims: any rejoin counts as clean
    not_before: float
    delay: float = 0.0  # post_fail_delay / post_join_delay: counted once the domain is quorate
    phase: Phase = Phase.DELAY
    round: int = 1
    attempt: Attempt | None = None
    call_id: int | None = None
    call: CallSpec | None = None
    deferred_to: int | None = None
    dirty_logged: bool = False
    refailed: bool = False  # a new incarnation failed while an agent ran: that call cannot cover it

    def move(self, to: Phase) -> None:
        if to not in ALLOWED[self.phase]:
            raise TransitionError(f"victim {self.node.name}: {self.phase.value} -> {to.value} not allowed")
        self.phase = to


@dataclass
class DomainStatus:
    """What ``fence_tool ls`` prints."""

    member_count: int
    victim_count: int
    victim_now: int
    master_nodeid: int
    wait_state: str
    members: list[int] = field(default_factory=list)
    victims: list[int] = field(default_factory=list)

    @classmethod
    def of(
        cls, victims: Iterable[Victim], members: list[int], quorate: bool, master: int | None, ours: int
    ) -> DomainStatus:
        victims = list(victims)
        calling = [v.node.nodeid for v in victims if v.phase is Phase.CALLING]
        if not victims:
            wait = "none"
        elif not quorate:
            wait = "quorum"
        elif master != ours:
            wait = "messages"
        else:
            wait = "fencing"
        return cls(
            member_count=len(members),
            victim_count=len(victims),
            victim_now=calling[0] if calling else 0,
            master_nodeid=master or 0,
            wait_state=wait,
            members=members,
            victims=sorted(v.node.nodeid for v in victims),
        )
