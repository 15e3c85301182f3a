"""The resource manager cores of a whole cluster in simulated time, with faults, checked against truth.

Deterministic for a seed. Membership is simulated directly (components of a partition; a component is
quorate with a strict majority of the nodes), not by the membership protocol; records and syncs are
delivered in one global order to the sender's component. A simulated fenced in the quorate component
fences nodes that left it (power off, after a delay, failing sometimes and retrying) and then reports
``NodeFenced`` to the members. Agents are simulated: each call takes a while and sometimes fails.

Ground truth: which resources each powered node holds (a start's first call counts as holding; only a
clean stop or power-off releases). Invariants checked at every start call:
- never started while another powered node may still hold the service;
- never on behalf of a failed owner before that owner was fenced since its failure;
- never by a node that is not in a quorate component;
- never outside a restricted failover domain.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from .conf_model import RmConfig
from .core import RmCore
from .events import (
    AgentDone,
    Broadcast,
    Effect,
    Event,
    Log,
    NodeFenced,
    RecordUpdate,
    Reply,
    RunAgent,
    Send,
    SendState,
    StateSync,
    Tick,
    UserOp,
    UserRequest,
    ViewChange,
)

LATENCY = 0.01
TICK = 2.0  # status_poll_interval is 10 s: a 2 s clock is fine-grained enough


@dataclass
class Faults:
    start_fail: float = 0.03
    stop_fail: float = 0.01
    status_fail: float = 0.03
    agent_time: tuple[float, float] = (0.05, 1.5)
    fence_delay: tuple[float, float] = (0.5, 8.0)
    fence_fail: float = 0.3
    boot_delay: tuple[float, float] = (5.0, 30.0)


@dataclass
class RmSimulation:
    conf: RmConfig
    names: dict[int, str]
    seed: int
    faults: Faults = field(default_factory=Faults)
    now: float = 1000.0  # an epoch-like start: transition 0 means "never changed"
    violations: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    logs: list[tuple[float, int, str]] = field(default_factory=list)
    keep_logs: bool = False
    core_class: type[RmCore] = RmCore
    agent_rc: Callable[[int, RunAgent], int | None] | None = None  # scripted results instead of random

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.cores: dict[int, RmCore | None] = {n: None for n in self.names}
        self.hung: set[int] = set()  # alive for ground truth (may hold resources), silent
        self.groups: list[set[int]] = [set(self.names)]
        self.generation = 0
        self.view_of: dict[int, frozenset[int]] = {}
        self.left_in: dict[int, int] = {}  # node -> generation it left a quorate view (fence victim)
        self.fencing: set[int] = set()
        self.holding: dict[int, dict[str, set[str]]] = {n: {} for n in self.names}
        self._queue: list[tuple[float, int, int, object]] = []
        self._seq = 0
        self.request_ids = 0
        self.starts = 0

    # -- queue -------------------------------------------------------------------------------------
    def at(self, when: float, nodeid: int, item: object) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (when, self._seq, nodeid, item))

    def run_until(self, until: float) -> None:
        while self._queue and self._queue[0][0] <= until:
            when, _, nodeid, item = heapq.heappop(self._queue)
            self.now = when
            if callable(item):
                item()
            elif isinstance(item, tuple):
                generation, event = item
                core = self.cores.get(nodeid)
                if core is not None and core.generation == generation:
                    self.deliver(nodeid, event)
            else:
                self.deliver(nodeid, item)  # type: ignore[arg-type]
        self.now = until

    def deliver(self, nodeid: int, event: Event) -> None:
        core = self.cores.get(nodeid)
        if core is None or nodeid in self.hung:
            return
        self.effects(nodeid, core.handle(event, self.now))

    def send(self, to: int, event: Event, generation: int) -> None:
        """Virtual synchrony: what is sent in a view is delivered in that view, or not at all."""
        self._seq += 1
        heapq.heappush(self._queue, (self.now + LATENCY, self._seq, to, (generation, event)))

    # -- topology ------------------------------------------------------------------------------------
    def boot_all(self) -> None:
        for nodeid in self.names:
            self.cores[nodeid] = self.core_class(nodeid, self.conf, dict(self.names))
        self.views()
        self.at(self.now + TICK, 0, self._tick)

    def component(self, nodeid: int) -> frozenset[int]:
        return self.view_of.get(nodeid, frozenset())

    def quorate(self, members: frozenset[int]) -> bool:
        return len(members) * 2 > len(self.names)

    def views(self) -> None:
        """Install a new view in every component of live, reachable nodes."""
        self.generation += 1
        live = {n for n, c in self.cores.items() if c is not None and n not in self.hung}
        old_quorate = next((v for v in self.view_of.values() if self.quorate(v)), frozenset())
        self.view_of = {}
        for group in self.groups:
            members = frozenset(group & live)
            for nodeid in members:
                self.view_of[nodeid] = members
        new_quorate = next((v for v in self.view_of.values() if self.quorate(v)), frozenset())
        for nodeid in old_quorate - new_quorate:
            self.left_in[nodeid] = self.generation
            if new_quorate:
                self.schedule_fence(nodeid)
        for nodeid, members in self.view_of.items():
            self.at(self.now, nodeid, ViewChange(self.generation, members, self.quorate(members)))
        if new_quorate and not old_quorate:  # fenced forms its domain: every non-member is a victim
            for nodeid in self.names:
                if nodeid not in new_quorate:
                    self.schedule_fence(nodeid)

    def schedule_fence(self, victim: int) -> None:
        if victim in self.fencing:
            return
        self.fencing.add(victim)
        self.at(self.now + self.rng.uniform(*self.faults.fence_delay), 0, lambda: self._fence(victim))

    def _fence(self, victim: int) -> None:
        self.fencing.discard(victim)
        quorate = next((v for v in self.view_of.values() if self.quorate(v)), None)
        if quorate is None:
            return  # no quorate component to fence from: the next one that forms fences again
        if victim in quorate:
            return  # it rejoined (spared)
        if self.rng.random() < self.faults.fence_fail:
            self.schedule_fence(victim)  # fenced retries for ever
            return
        self.power_off(victim)
        self.left_in.pop(victim, None)
        for member in quorate:
            self.at(self.now, member, NodeFenced(victim, self.generation))
        self.at(self.now + self.rng.uniform(*self.faults.boot_delay), 0, lambda: self.boot(victim))

    def power_off(self, nodeid: int) -> None:
        was_in_view = nodeid in self.view_of
        self.cores[nodeid] = None
        self.hung.discard(nodeid)
        self.holding[nodeid] = {}
        if was_in_view:
            self.views()

    def boot(self, nodeid: int) -> None:
        if self.cores[nodeid] is not None:
            return
        self.cores[nodeid] = self.core_class(nodeid, self.conf, dict(self.names))
        self.views()

    def hang(self, nodeid: int) -> None:
        """The worst failure: the node leaves the membership but keeps its resources until fenced."""
        if self.cores[nodeid] is not None and nodeid not in self.hung:
            self.hung.add(nodeid)
            self.views()

    def partition(self, groups: list[set[int]]) -> None:
        self.groups = groups
        self.views()

    def heal(self) -> None:
        self.groups = [set(self.names)]
        self.views()

    def request(self, nodeid: int, op: UserOp, service: str, target: int | None = None) -> None:
        self.request_ids += 1
        self.at(self.now, nodeid, UserRequest(self.request_ids, op, service, nodeid, target))

    def _tick(self) -> None:
        for nodeid, core in self.cores.items():
            if core is not None and nodeid not in self.hung:
                self.effects(nodeid, core.handle(Tick(), self.now))
        self.at(self.now + TICK, 0, self._tick)

    # -- effects -------------------------------------------------------------------------------------
    def effects(self, nodeid: int, effects: list[Effect]) -> None:
        members = self.component(nodeid)
        core = self.cores[nodeid]
        generation = core.generation if core is not None else -1
        for effect in effects:
            if isinstance(effect, RunAgent):
                self.run_agent(nodeid, effect)
            elif isinstance(effect, Broadcast):
                for member in members:
                    self.send(member, RecordUpdate(effect.record, nodeid), generation)
            elif isinstance(effect, SendState):
                for member in members:
                    sync = StateSync(
                        effect.generation,
                        nodeid,
                        effect.records,
                        effect.history,
                        effect.failed_at,
                        effect.fenced,
                        effect.locked,
                    )
                    self.send(member, sync, generation)
            elif isinstance(effect, Send):
                if effect.to in members:
                    self.send(effect.to, effect.message, generation)
            elif isinstance(effect, Reply):
                self.replies.append(effect)
            elif isinstance(effect, Log) and self.keep_logs:
                self.logs.append((self.now, nodeid, effect.text))

    def run_agent(self, nodeid: int, call: RunAgent) -> None:
        held = self.holding[nodeid].setdefault(call.service, set())
        if call.op == "start":
            if call.node is self.conf_service_root(call.service):
                self.starts += 1
                self.check_start(nodeid, call.service)
            held.add(call.node.ident)
        fail = {"start": self.faults.start_fail, "stop": self.faults.stop_fail}.get(
            call.op, self.faults.status_fail
        )
        rc: int | None = 1 if self.rng.random() < fail else 0
        if self.agent_rc is not None:
            rc = self.agent_rc(nodeid, call)
        done = self.now + self.rng.uniform(*self.faults.agent_time)
        self.at(done, nodeid, lambda: self._agent_exit(nodeid, call, rc))

    def _agent_exit(self, nodeid: int, call: RunAgent, rc: int | None) -> None:
        if self.cores[nodeid] is None:
            return  # powered off meanwhile
        if call.op == "stop" and rc == 0:
            self.holding[nodeid].get(call.service, set()).discard(call.node.ident)
        self.deliver(nodeid, AgentDone(call.call_id, rc))

    def conf_service_root(self, name: str) -> object:
        service = self.conf.service(name)
        return service.root if service else None

    # -- invariants ----------------------------------------------------------------------------------
    def check_start(self, nodeid: int, name: str) -> None:
        where = f"t={self.now:.2f} {name} started on {self.names[nodeid]}"
        for other, services in self.holding.items():
            if other != nodeid and self.cores[other] is not None and services.get(name):
                self.violations.append(f"{where} while {self.names[other]} may still run it")
        core = self.cores[nodeid]
        assert core is not None
        last = core.records[name].last_owner
        lost = last in self.left_in and last not in self.component(nodeid) and self.cores[last] is not None
        if last and last != nodeid and lost:
            self.violations.append(f"{where} on behalf of {self.names[last]}, which is not fenced")
        if not self.quorate(self.component(nodeid)):
            self.violations.append(f"{where} while inquorate")
        service = self.conf.service(name)
        domain = self.conf.domain(service.domain) if service else None
        if domain is not None and domain.restricted and domain.member(self.names[nodeid]) is None:
            self.violations.append(f"{where} outside its restricted domain {domain.name}")


def random_schedule(sim: RmSimulation, duration: float, events: int, requests: bool = True) -> None:
    """A random fault and request schedule: hangs, partitions, heals, power cuts, user requests."""
    rng = sim.rng
    nodes = sorted(sim.names)
    services = [s.full_name for s in sim.conf.services]
    for _ in range(events):
        when = rng.uniform(5.0, duration)
        kind = rng.random()
        node = rng.choice(nodes)
        if kind < 0.25:
            sim.at(when, 0, lambda n=node: sim.hang(n))
        elif kind < 0.4:
            split = {node}
            sim.at(when, 0, lambda s=split: sim.partition([s, set(nodes) - s]))
            sim.at(when + rng.uniform(1.0, 20.0), 0, sim.heal)
        elif kind < 0.5 or not requests:
            sim.at(when, 0, lambda n=node: sim.power_off(n) if sim.cores[n] is not None else None)
            sim.at(when + rng.uniform(*sim.faults.boot_delay), 0, lambda n=node: sim.boot(n))
        else:
            op = rng.choice(list(UserOp))
            target = rng.choice([None, *nodes])
            service = rng.choice(services)
            sim.at(when, 0, lambda n=node, o=op, s=service, t=target: sim.request(n, o, s, t))
