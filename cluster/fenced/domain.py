"""The fence domain: fenced's victim and master logic as a pure state machine.

Inputs: membership views with the quorum state, clock ticks, agent call results, ``fence_node`` requests,
manual overrides, peers' fence reports. Outputs: effects (:mod:`cluster.fenced.effects`: run this agent,
log this line, tell the peers, answer fence_node). Time is whatever ``now`` the caller passes.

Rules (reference/cluster-suite.md, "fenced"):
- a member lost by failure (not a clean leave) becomes a victim; fencing waits for quorum;
- only the master (lowest node id among non-victim members) fences; others log "fencing deferred to X";
- post_fail_delay after a failure, post_join_delay when the same change added nodes or at domain creation;
  a delay is counted only once the domain is quorate (fenced's wait conditions come first);
- at domain creation every configured node that is not a member is a victim unless clean_start;
- methods in order, every device of a method must succeed; all methods failed -> wait override_time
  (a window for fence_ack_manual), then retry, the wait doubling up to retry_max, forever;
- a victim that rejoins *cleanly* (a new incarnation: it restarted) before it is fenced is spared; one that
  comes back with its old incarnation (it was hung or partitioned) still holds state and is still fenced;
- the history is the master's: what it records it shares, the others record what they are told (and
  ``fence_node``/``fence_ack_manual`` results from whichever node ran them).
"""

from __future__ import annotations

from cluster.fenced.attempt import Attempt, CallSpec
from cluster.fenced.effects import Announce, CallResult, Effect, Log, LogLevel, RunAgent, Share, call_log
from cluster.fenced.history import FenceRecord, History
from cluster.fenced.jobs import JobRunner
from cluster.fenced.plan import FencePlan, NodeFencing
from cluster.fenced.victim import DomainStatus, Phase, Victim
from cluster.membership.view import ViewChange

INFO, WARNING, ERROR = LogLevel.INFO, LogLevel.WARNING, LogLevel.ERROR
LIVES_KEPT = 32  # incarnations remembered per node to recognise a stale peer announcement
NEVER = float("inf")


class FenceDomain:
    def __init__(self, plan: FencePlan, our_nodeid: int) -> None:
        self.plan = plan
        self.our_nodeid = our_nodeid
        self.history = History()
        self.victims: dict[int, Victim] = {}
        self._members: dict[int, int] = {}
        self._created = False
        self._quorate = False
        self._quorate_since: float | None = None  # when the wait for quorum last ended
        self._next_id = 1
        self._jobs = JobRunner(self)
        self._last_failure: dict[int, float] = {}
        self._last_fenced: dict[int, float] = {}
        self._lives: dict[int, list[int]] = {}  # every incarnation seen per node, oldest first

    # ---- inputs -------------------------------------------------------------------------------------
    def on_membership(self, view: ViewChange, quorate: bool, now: float) -> list[Effect]:
        effects: list[Effect] = []
        new = view.incarnations
        if not self._created:
            self._created = True
            effects += self._create(new, now)
        else:
            added = {n for n in new if n not in self._members or new[n] != self._members[n]}
            delay = self.plan.settings.post_join_delay if added else self.plan.settings.post_fail_delay
            for nodeid, incarnation in self._members.items():
                if nodeid in new and new[nodeid] == incarnation:
                    continue
                if nodeid not in new and nodeid in view.left:
                    effects.append(Log(INFO, f"node {self.plan.name_of(nodeid)} left the domain cleanly"))
                    continue
                effects += self._add_victim(nodeid, incarnation, now, delay)
        self._members = new
        for nodeid, incarnation in new.items():
            lives = self._lives.setdefault(nodeid, [])
            if incarnation not in lives:
                lives.append(incarnation)
                del lives[:-LIVES_KEPT]
        self._set_quorate(quorate, now)
        effects += self._spare_rejoined(now)
        return effects + self._drive(now)

    def on_quorum(self, quorate: bool, now: float) -> list[Effect]:
        """Quorum changed without a membership change (``cman_tool expected``, a reload)."""
        self._set_quorate(quorate, now)
        return self._drive(now)

    def on_tick(self, now: float) -> list[Effect]:
        return self._drive(now)

    def on_call_result(self, call_id: int, result: CallResult, now: float) -> list[Effect]:
        if self._jobs.owns(call_id):
            return self._jobs.on_call_result(call_id, result, now)
        victim = next((v for v in self.victims.values() if v.call_id == call_id), None)
        if victim is None or victim.call is None or victim.attempt is None:
            return []  # overridden or spared while the agent ran
        call = victim.call
        record = self._record(call.victim, call.method, call, result, now, victim.incarnation)
        effects: list[Effect] = [call_log(call, result)]
        victim.call_id = None
        victim.call = None
        if victim.refailed:  # the call began before the node's latest life: start a fresh pass
            victim.refailed = False
            victim.attempt = None
            victim.move(Phase.DELAY)
            return effects + [Share(record)] + self._spare_rejoined(now) + self._drive(now)
        victim.attempt.record(result.ok)
        victim.move(Phase.READY)
        if victim.attempt.outcome is True:
            effects.append(Log(INFO, f"fence {call.victim} success"))
            self._drop_fenced(victim.node.nodeid, now)
            effects.append(Announce(victim.node.nodeid, record))
        else:
            effects.append(Share(record))
            if victim.attempt.outcome is False:
                effects += self._round_failed(victim, now)
        return effects + self._spare_rejoined(now) + self._drive(now)

    def on_fence_node(self, name: str, unfence: bool, now: float) -> tuple[int, list[Effect]]:
        """``fence_node [-U] NAME``: one pass over its methods (or unfence devices), no retries; KeyError
        for a node not in the configuration. The pass ends with a :class:`JobDone` for the returned id."""
        node = self.plan.node_by_name(name)
        if node is None:
            raise KeyError(name)
        return self._jobs.start(node, unfence, "fence_node", now)

    def unfence_self(self, now: float) -> list[Effect]:
        """Unfencing at join: run every ``<unfence>`` device of our own node, in order."""
        node = self.plan.node_by_id(self.our_nodeid)
        if node is None or not node.unfence:
            return []
        _, effects = self._jobs.start(node, True, node.name, now)
        return [Log(INFO, f"unfencing node {node.name}"), *effects]

    def on_ack_manual(self, name: str, now: float) -> tuple[bool, list[Effect]]:
        """``fence_ack_manual NAME``: the administrator says the node is down. False if it is no victim."""
        node = self.plan.node_by_name(name)
        if node is None or node.nodeid not in self.victims:
            return False, []
        by = self.plan.name_of(self.our_nodeid)
        life = self.victims[node.nodeid].incarnation
        record = FenceRecord(
            now, name, "manual", "fence_ack_manual", "override", 0.0, by=by, incarnation=life
        )
        self.history.add(record)
        effects: list[Effect] = [Log(INFO, f"fence {name} overridden by administrator intervention")]
        self._drop_fenced(node.nodeid, now)
        effects.append(Announce(node.nodeid, record))
        return True, effects + self._drive(now)

    def on_peer_fenced(self, nodeid: int, record: FenceRecord, now: float) -> list[Effect]:
        """Another member (the master, or a fence_node / fence_ack_manual elsewhere) fenced ``nodeid``."""
        self.history.add(
            record
        )  # recorded even when we already dropped the victim: the history is the master's
        victim = self.victims.get(nodeid)
        if victim is None:
            return []
        if self._earlier_life(nodeid, record.incarnation, victim.incarnation):
            # the announcement crossed the node's restart and new failure: it covers the old life only
            said = f"fence {record.victim} {record.result} (by {record.by})"
            return [Log(WARNING, f"{said} was for an earlier life of the node: still a victim")]
        effects: list[Effect] = [Log(INFO, f"fence {record.victim} {record.result} (by {record.by})")]
        self._drop_fenced(nodeid, now)
        return effects + self._drive(now)

    def on_peer_record(self, record: FenceRecord) -> None:
        """A history record another member shared (a failed call, a skip): it fences nothing."""
        self.history.add(record)

    def on_external_fenced(self, nodeid: int, record: FenceRecord, now: float) -> list[Effect]:
        """``fence_node`` fenced ``nodeid`` outside the domain's own calls (already in the history).

        ``record.incarnation`` is the node's life when fence_node started (``incarnation_of``): a node that
        restarted and failed again while it ran was not fenced by it.
        """
        victim = self.victims.get(nodeid)
        if victim is not None and victim.incarnation is not None and victim.incarnation != record.incarnation:
            said = f"fence {record.victim} by fence_node began before the node's latest failure"
            return [Log(WARNING, f"{said}: still a victim"), Share(record)]
        effects: list[Effect] = [Announce(nodeid, record)]
        if victim is not None:
            effects.insert(0, Log(INFO, f"fence {record.victim} success (fence_node)"))
            self._drop_fenced(nodeid, now)
        return effects + self._drive(now)

    # ---- queries ------------------------------------------------------------------------------------
    def needs_fencing(self, nodeid: int) -> bool:
        return nodeid in self.victims

    def is_member(self, nodeid: int) -> bool:
        return nodeid in self._members

    def fenced_since_failure(self, nodeid: int) -> bool:
        """The resource manager's question: may the failed node's services start elsewhere?

        True when the node is no victim: it was fenced (or overridden) after its last failure, rejoined
        cleanly, left cleanly, or never failed.
        """
        return nodeid not in self.victims

    def incarnation_of(self, nodeid: int) -> int | None:
        """The node's current life: as a member, else as a victim, else None (unknown)."""
        if nodeid in self._members:
            return self._members[nodeid]
        victim = self.victims.get(nodeid)
        return victim.incarnation if victim is not None else None

    def last_failure(self, nodeid: int) -> float | None:
        return self._last_failure.get(nodeid)

    def last_fenced(self, nodeid: int) -> float | None:
        return self._last_fenced.get(nodeid)

    @property
    def master(self) -> int | None:
        candidates = [n for n in self._members if n not in self.victims]
        return min(candidates) if candidates else None

    def status(self) -> DomainStatus:
        return DomainStatus.of(
            self.victims.values(), sorted(self._members), self._quorate, self.master, self.our_nodeid
        )

    def next_deadline(self) -> float | None:
        """When a tick could change something (the adapter sleeps until then or until an input)."""
        waiting = (Phase.DELAY, Phase.RETRY_WAIT)
        times = [v.not_before for v in self.victims.values() if v.phase in waiting]
        times = [t for t in times if t < NEVER]  # inquorate: no delay runs
        return min(times) if times else None

    # ---- victims ------------------------------------------------------------------------------------
    def _set_quorate(self, quorate: bool, now: float) -> None:
        """fenced applies its delays only once its wait conditions (quorum) are met: a first node that
        waits minutes for quorum must not find post_join_delay used up when its peers finally boot."""
        if quorate == self._quorate:
            return
        self._quorate = quorate
        self._quorate_since = now if quorate else None
        for victim in self.victims.values():
            if victim.phase is Phase.DELAY:  # a delay cut short by a quorum loss starts again
                victim.not_before = self._delay_end(victim.failed_at, victim.delay)

    def _delay_end(self, added: float, delay: float) -> float:
        """When the delay of a victim added at ``added`` ends (inquorate: not before quorum, so far off)."""
        if self._quorate_since is None:
            return NEVER
        return max(added, self._quorate_since) + delay

    def new_id(self) -> int:
        """A fresh id for an agent call or a fence_node job."""
        new_id = self._next_id
        self._next_id += 1
        return new_id

    def _earlier_life(self, nodeid: int, announced: int | None, ours: int | None) -> bool:
        """True when ``announced`` is a life of the node we saw before ``ours`` (unknown lives: False)."""
        lives = self._lives.get(nodeid, [])
        if announced is None or ours is None or announced == ours or announced not in lives:
            return False
        return ours in lives and lives.index(announced) < lives.index(ours)

    def _create(self, members: dict[int, int], now: float) -> list[Effect]:
        effects: list[Effect] = [Log(INFO, "fence domain created")]
        if self.plan.settings.clean_start:
            return effects + [Log(INFO, "clean_start=1: skipping startup fencing")]
        for node in self.plan.nodes:
            if node.nodeid not in members and node.nodeid != self.our_nodeid:
                effects += self._add_victim(node.nodeid, None, now, self.plan.settings.post_join_delay)
        return effects

    def _add_victim(self, nodeid: int, incarnation: int | None, now: float, delay: float) -> list[Effect]:
        node = self.plan.node_by_id(nodeid) or NodeFencing(nodeid, f"nodeid {nodeid}")
        if incarnation is not None:  # startup victims never failed while we watched
            self._last_failure[nodeid] = now
        victim = self.victims.get(nodeid)
        if victim is not None:
            if incarnation is None or incarnation == victim.incarnation:
                return []  # the same life lost again: the fence in progress still covers it
            # it restarted and failed again (possible only while its agent ran): fence this life too
            victim.incarnation, victim.failed_at, victim.dirty_logged = incarnation, now, False
            victim.delay = delay
            victim.not_before = self._delay_end(now, delay)
            victim.refailed = victim.phase is Phase.CALLING
            return [Log(WARNING, f"node {node.name} failed again (restarted since): fencing it again")]
        self.victims[nodeid] = Victim(node, now, incarnation, self._delay_end(now, delay), delay)
        why = "startup fencing" if incarnation is None else "failed"
        return [Log(INFO, f"node {node.name} {why}: added to victims (delay {delay:g}s)")]

    def _spare_rejoined(self, now: float) -> list[Effect]:
        effects: list[Effect] = []
        master = self.master == self.our_nodeid
        for nodeid, victim in list(self.victims.items()):
            if nodeid not in self._members or victim.phase is Phase.CALLING:
                continue  # an agent call in flight decides first (a rebooted node rejoins before it ends)
            if victim.incarnation is not None and self._members[nodeid] == victim.incarnation:
                if not victim.dirty_logged:
                    victim.dirty_logged = True
                    effects.append(
                        Log(
                            WARNING,
                            f"node {victim.node.name} rejoined without restarting: still a victim",
                        )
                    )
                continue
            del self.victims[nodeid]
            if victim.incarnation is None:  # a startup victim that joined: nothing ever failed
                effects.append(Log(INFO, f"node {victim.node.name} joined: no startup fencing needed"))
                continue
            effects.append(Log(INFO, f"fence {victim.node.name} skipped: node rejoined cleanly"))
            if master:  # the master's decision is the history; the others hear it from the master
                by = self.plan.name_of(self.our_nodeid)
                record = FenceRecord(now, victim.node.name, "-", "-", "skipped", 0.0, "rejoined cleanly", by)
                self.history.add(record)
                effects.append(Share(record))
        return effects

    def _drop_fenced(self, nodeid: int, now: float) -> None:
        self.victims.pop(nodeid, None)
        self._last_fenced[nodeid] = now

    def _round_failed(self, victim: Victim, now: float) -> list[Effect]:
        settings = self.plan.settings
        wait = min(settings.retry_max, settings.override_time * (2 ** (victim.round - 1)))
        victim.round += 1
        victim.attempt = None
        victim.move(Phase.RETRY_WAIT)
        victim.not_before = now + wait
        return [
            Log(ERROR, f"fence {victim.node.name} failed"),
            Log(
                INFO,
                f"fence {victim.node.name}: waiting {wait:g}s for fence_ack_manual, then retrying",
            ),
        ]

    def _record(
        self, victim: str, method: str, call: CallSpec, result: CallResult, now: float, life: int | None
    ) -> FenceRecord:
        by = self.plan.name_of(self.our_nodeid)
        record = FenceRecord(
            now, victim, method, call.device, result.outcome, result.duration, result.detail, by, life
        )
        self.history.add(record)
        return record

    def _drive(self, now: float) -> list[Effect]:
        effects: list[Effect] = []
        for victim in self.victims.values():
            if victim.phase is Phase.DELAY and now >= victim.not_before:
                victim.move(Phase.READY)
        if not self.victims or not self._quorate:
            return effects
        master = self.master
        if master != self.our_nodeid:
            for victim in self.victims.values():
                if master is not None and victim.deferred_to != master:
                    victim.deferred_to = master
                    effects.append(Log(INFO, f"fencing deferred to {self.plan.name_of(master)}"))
            return effects
        while not any(v.phase is Phase.CALLING for v in self.victims.values()):
            ready = self._next_ready(now)
            if ready is None:
                break
            effects += self._start_call(ready, now)
        return effects

    def _next_ready(self, now: float) -> Victim | None:
        for nodeid in sorted(self.victims):
            victim = self.victims[nodeid]
            if victim.phase is Phase.RETRY_WAIT and now >= victim.not_before:
                victim.move(Phase.READY)
            if victim.phase is Phase.READY:
                return victim
        return None

    def _start_call(self, victim: Victim, now: float) -> list[Effect]:
        effects: list[Effect] = []
        if victim.attempt is None:
            victim.attempt = Attempt(self.plan, victim.node)
            effects.append(Log(INFO, f"fencing node {victim.node.name}"))
        call = victim.attempt.next_call()
        if call is None:  # no usable method at all
            effects.append(Log(ERROR, f"fence {victim.node.name}: no fence method configured"))
            return effects + self._round_failed(victim, now)
        if call.missing:
            result = CallResult.missing(call.missing)
            record = self._record(call.victim, call.method, call, result, now, victim.incarnation)
            effects += [call_log(call, result), Share(record)]
            victim.attempt.record(False)
            if victim.attempt.outcome is False:
                effects += self._round_failed(victim, now)
            return effects
        victim.call_id = self.new_id()
        victim.call = call
        victim.move(Phase.CALLING)
        return effects + [RunAgent(victim.call_id, call, self.plan.settings.agent_timeout)]
