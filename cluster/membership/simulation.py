"""The real membership and quorum state machines in simulated time on a simulated, faulty network.

Deterministic for a seed: one ``random.Random`` drives delays, drops and the fault schedule, and events
are ordered by (time, sequence). Used by the test suite (thousands of random schedules) and usable by
the harness for what-if runs. Faults: message drops and delays, partitions, crashes and restarts,
clean leaves (with or without ``remove``) and rejoins, and clock jumps per node.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from cluster.quorum import Quorum, QuorumConfig

from .messages import Member, Message
from .protocol import Effect, MembershipNode, Send, Timing, ViewChange

MIN_TICK_MS = 0.1


@dataclass
class SimNode:
    nodeid: int
    machine: MembershipNode | None = None  # None while crashed
    quorum: Quorum | None = None
    offset: float = 0.0  # this node's clock minus simulated true time
    version: int = 0  # invalidates ticks scheduled before the latest one
    tick_at: float = -1.0  # when the pending tick fires
    restarts: int = 0


@dataclass
class Simulation:
    node_ids: list[int]
    timing: Timing
    seed: int
    votes: dict[int, int] = field(default_factory=dict)
    drop: float = 0.0
    delay: tuple[float, float] = (0.5, 5.0)
    now: float = 0.0
    violations: list[str] = field(default_factory=list)
    view_log: list[tuple[float, int, ViewChange]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.nodes = {n: SimNode(n) for n in self.node_ids}
        self.votes = self.votes or {n: 1 for n in self.node_ids}
        self.quorum_config = QuorumConfig.simple(self.votes)
        self._queue: list[tuple[float, int, int, int, Message | None]] = []  # at, seq, node, version, msg
        self._seq = 0
        self._blocked: set[tuple[int, int]] = set()  # (from, to), both ways
        self._views_by_gen: dict[int, set[tuple[Member, ...]]] = {}

    # -- scheduling -------------------------------------------------------------------------------
    def _local(self, node: SimNode) -> float:
        return self.now + node.offset

    def _after_call(self, node: SimNode, effects: list[Effect]) -> None:
        now = self.now
        if effects:  # the hot loop of every schedule: sends inlined (rng draws as rng.uniform makes them)
            rng, drop, blocked, queue, push = self.rng, self.drop, self._blocked, self._queue, heapq.heappush
            low, high = self.delay
            span, src, seq = high - low, node.nodeid, self._seq
            for effect in effects:
                if type(effect) is Send:
                    to = effect.to
                    if (blocked and (src, to) in blocked) or (drop and rng.random() < drop):
                        continue
                    seq += 1
                    push(queue, (now + (low + span * rng.random()), seq, to, -1, effect.message))
                else:
                    self._installed(node, effect)  # type: ignore[arg-type]
            self._seq = seq
        machine = node.machine
        if machine is not None:
            wait = machine.wakeup_in()
            at = now + (wait if wait >= MIN_TICK_MS else MIN_TICK_MS)
            if at < node.tick_at or node.tick_at <= now:  # else the earlier pending tick will do
                node.version += 1
                node.tick_at = at
                self._seq += 1
                heapq.heappush(self._queue, (at, self._seq, node.nodeid, node.version, None))

    def run_until(self, until: float) -> None:
        queue, nodes, pop = self._queue, self.nodes, heapq.heappop
        while queue and queue[0][0] <= until:
            at, _, nodeid, version, msg = pop(queue)
            self.now = at
            node = nodes[nodeid]
            machine = node.machine
            if machine is None:
                continue  # crashed: ticks stop, messages are lost
            if msg is not None:
                self._after_call(node, machine.receive(at + node.offset, msg))
            elif version == node.version:
                self._after_call(node, machine.tick(at + node.offset))
        self.now = max(self.now, until)

    # -- faults and operations ---------------------------------------------------------------------
    def start(self, nodeid: int) -> None:
        node = self.nodes[nodeid]
        node.restarts += 1
        peers = self.node_ids
        node.machine = MembershipNode(nodeid, node.restarts * 1000, peers, self.timing)
        node.quorum = Quorum(self.quorum_config)
        self._after_call(node, node.machine.join(self._local(node)))

    def crash(self, nodeid: int) -> None:
        node = self.nodes[nodeid]
        node.machine = None
        node.quorum = None
        node.version += 1
        node.tick_at = -1.0

    def leave(self, nodeid: int, remove: bool = False) -> None:
        node = self.nodes[nodeid]
        if node.machine is not None:
            effects = node.machine.leave(self._local(node), remove)
            node.quorum = Quorum(self.quorum_config)
            self._after_call(node, effects)

    def rejoin(self, nodeid: int) -> None:
        node = self.nodes[nodeid]
        if node.machine is not None:
            self._after_call(node, node.machine.join(self._local(node)))

    def partition(self, groups: Iterable[Iterable[int]]) -> None:
        """Cut every link between nodes of different groups (nodes in no group are cut from all)."""
        side = {n: i for i, group in enumerate(groups) for n in group}
        self._blocked = {
            (a, b) for a in self.node_ids for b in self.node_ids if side.get(a, -a) != side.get(b, -b)
        }

    def heal(self) -> None:
        self._blocked = set()
        self.drop = 0.0

    def jump_clock(self, nodeid: int, delta: float) -> None:
        self.nodes[nodeid].offset += delta

    # -- observations -------------------------------------------------------------------------------
    def _installed(self, node: SimNode, view: ViewChange) -> None:
        self.view_log.append((self.now, node.nodeid, view))
        assert node.quorum is not None
        node.quorum.update_members(view.member_ids, self._local(node), removed=view.removed)
        same_gen = self._views_by_gen.setdefault(view.gen, set())
        for other in same_gen:
            if other != view.members and set(other) & set(view.members):
                self.violations.append(
                    f"t={self.now:.1f}: generation {view.gen} has views {other} and {view.members}"
                )
        same_gen.add(view.members)
        self._check_quorum_safety()

    def _check_quorum_safety(self) -> None:
        quorate = [
            (n.nodeid, set(n.machine.member_ids))
            for n in self.nodes.values()
            if n.machine is not None and n.machine.joined and n.quorum is not None and n.quorum.quorate
        ]
        for i, (a, view_a) in enumerate(quorate):
            for b, view_b in quorate[i + 1 :]:
                if not view_a & view_b:
                    self.violations.append(
                        f"t={self.now:.1f}: disjoint views both quorate: {a}:{view_a} {b}:{view_b}"
                    )

    def live(self) -> list[SimNode]:
        return [n for n in self.nodes.values() if n.machine is not None and n.machine.joined]

    def agreement(self) -> bool:
        """All live, joined nodes installed the same generation and exactly the live nodes as members."""
        live = self.live()
        if not live:
            return True
        expected = tuple(sorted((n.nodeid, n.machine.inc) for n in live if n.machine is not None))
        views = {(n.machine.gen, n.machine.members) for n in live if n.machine is not None}
        return len(views) == 1 and next(iter(views))[1] == expected

    def describe(self) -> str:
        parts = []
        for n in self.nodes.values():
            m = n.machine
            state = "down" if m is None else ("left" if not m.joined else f"gen {m.gen} {list(m.member_ids)}")
            parts.append(f"node {n.nodeid}: {state}")
        return "; ".join(parts)
