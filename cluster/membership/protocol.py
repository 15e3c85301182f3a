"""The membership protocol: a pure, deterministic state machine per node.

Inputs: ``join``, ``leave``, ``receive(message)`` and ``tick``, each with the node's clock in ms.
Outputs: effects, :class:`Send` (a message for one peer) and :class:`ViewChange` (a view installed).

How it works (docs/cluster.md has the reasoning):
- liveness (:mod:`.liveness`): in the steady state the members form a ring and each heartbeats only its
  successor; any change makes them gather (heartbeat everyone) until the new view is settled;
- the coordinator is the lowest node id among the live nodes a node can see. When the live set differs
  from the installed view, or a peer reports a newer or different view, it waits ``join_ms`` for more
  changes (and until every node it would propose has been heard directly), then proposes generation
  ``g`` (higher than any it has seen) with the member list;
- a node promises at most one proposal per generation (and only above what it installed), acks it, and
  installs the view when the coordinator commits it after every proposed member acked. So all members
  of a committed view install the same (generation, members); generations only grow on a node;
- a member that misses a commit is repaired by the coordinator when its heartbeat shows an old view;
  a proposal not acked within ``consensus_ms`` is retried; nodes that miss two rounds are left out
  for a token timeout (so one deaf node cannot stall everyone);
- a node rejects a proposal that leaves out a live node with a lower id than the proposer, which keeps
  two coordinators from fighting over the same nodes;
- a clean ``leave`` is announced; the commit tells every member who left cleanly (and with ``remove``),
  so all members report the same reasons. A restarted node has a new incarnation: it is reported as
  failed and joined.

Clocks: only the elapsed time between calls matters; a clock that goes backwards counts as no time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .effects import Effect, Send, Timing, timing_from_conf
from .liveness import Liveness
from .messages import Ack, Commit, Departure, Heartbeat, Leave, Member, Message, Nack, Propose
from .view import ViewChange

__all__ = ["Effect", "MembershipNode", "Send", "Timing", "ViewChange", "timing_from_conf"]

MISSED_ROUNDS_BEFORE_SUSPECT = 2


@dataclass
class _Round:
    gen: int
    members: tuple[Member, ...]
    left: tuple[Departure, ...]
    deadline: float
    acks: set[int] = field(default_factory=set)


class MembershipNode(Liveness):
    __slots__ = (
        "joined", "_joined_before", "_promised", "_max_gen_seen", "_last_left", "_missed", "_round",
        "_pending_since", "_on_credit", "_not_before",
    )  # fmt: skip

    def __init__(self, nodeid: int, incarnation: int, nodes: Iterable[int], timing: Timing) -> None:
        super().__init__(nodeid, incarnation, nodes, timing)
        self.joined = self._joined_before = False
        self._promised = (0, 0, 0)  # (generation, coordinator, its incarnation)
        self._max_gen_seen = 0
        self._last_left: tuple[Departure, ...] = ()
        self._missed: dict[int, int] = {}
        self._round: _Round | None = None
        self._pending_since: float | None = None
        self._on_credit = False  # a due round waits for word from a node alive on credit only
        self._not_before = 0.0  # no round before this (startup settle, retry backoff)

    # -- public inputs ---------------------------------------------------------------------------
    def join(self, now: float) -> list[Effect]:
        self._advance(now)
        if self.joined:
            return []
        if self._joined_before:
            self.inc += 1  # rejoining after a leave: a new incarnation
        self.joined = self._joined_before = True
        self._quiet = False
        self._next_heartbeat = self._mono
        self._not_before = self._mono + 2 * self.timing.heartbeat_ms  # hear the cluster before forming one
        effects: list[Effect] = []
        self._step(effects)
        return effects

    def leave(self, now: float, remove: bool = False) -> list[Effect]:
        self._advance(now)
        if not self.joined:
            return []
        self.joined = False
        self._set_view(self.gen, ())
        self._round = None
        self._pending_since = None
        return [Send(peer, Leave(self.nodeid, self.inc, remove)) for peer in self._others]

    def receive(self, now: float, msg: Message) -> list[Effect]:
        last_now = self._last_now  # _advance, inlined: every message comes through here
        if last_now is not None and now > last_now:
            self._mono += now - last_now
        self._last_now = now
        effects: list[Effect] = []
        sender = msg.sender
        if sender == self.nodeid or sender not in self.nodes or not self.joined:
            return effects
        if msg.inc < self._peer_inc.get(sender, 0):
            return effects  # a late message from an earlier life of that node
        if isinstance(msg, Leave):
            self._left[sender] = (msg.inc, msg.remove)
            self._left_at[sender] = self._mono
            self._peer_inc[sender] = msg.inc
            self._heard.pop(sender, None)
            self._credit.pop(sender, None)
            if self._round is not None and (sender, msg.inc) in self._round.members:
                self._round = None  # it will never ack: propose again without it, not after consensus ms
        else:
            before = self._heard.get(sender)
            news = self._hear(sender, msg.inc, before)
            if isinstance(msg, Heartbeat):
                first = before is None or before < self._view_at
                if not self._on_heartbeat(msg, effects, first) and not news:
                    return effects  # nothing that a step would act on has changed
            elif isinstance(msg, Propose):
                self._on_propose(msg, effects)
            elif isinstance(msg, Ack):
                self._on_ack(msg, effects)
            elif isinstance(msg, Nack):
                self._on_nack(msg)
            elif isinstance(msg, Commit):
                self._on_commit(msg, effects)
        self._dirty = True
        self._step(effects)
        return effects

    def tick(self, now: float) -> list[Effect]:
        last_now = self._last_now  # _advance, inlined
        if last_now is not None and now > last_now:
            self._mono += now - last_now
        self._last_now = now
        effects: list[Effect] = []
        if self.joined:
            self._step(effects)
        return effects

    def wakeup_in(self) -> float:
        """Milliseconds until this node next needs a tick (it may be ticked earlier or later)."""
        # runs after every input: comparisons rather than min()/max() calls, the same values
        t = self.timing
        if not self.joined:
            return t.token_ms
        mono = self._mono
        due = self._next_heartbeat
        if self._round is not None and self._round.deadline < due:
            due = self._round.deadline
        if self._pending_since is not None and not self._on_credit:  # on credit: heartbeats or expiry
            at = self._pending_since + t.join_ms
            if self._not_before > at:
                at = self._not_before
            if at < due:
                due = at
        for until in self._suspect_until.values():  # overdue ones mean "tick now"
            if until < due:
                due = until
        if mono < self._not_before < due:
            due = self._not_before
        token = t.token_ms  # next, the moment a watched node's silence (or credit) runs out
        if self._quiet:  # quiet: only the predecessor is watched
            heard = self._heard.get(self._pred) if self._pred is not None else None
            if heard is not None and mono < heard + token < due:
                due = heard + token
        else:
            for heard in self._heard.values():
                if mono < heard + token < due:
                    due = heard + token
            for until in self._credit.values():
                if mono < until < due:
                    due = until
        due -= mono
        return due if due > 0.0 else 0.0

    # -- queries ---------------------------------------------------------------------------------
    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(n for n, _ in self.members)

    @property
    def quiet(self) -> bool:
        """In the steady ring mode (heartbeats to the ring successor only)."""
        return self._quiet

    @property
    def state(self) -> str:
        """``cman_tool status``'s "Membership state": Not-in-Cluster, Joining or Cluster-Member."""
        if not self.joined:
            return "Not-in-Cluster"
        return "Cluster-Member" if (self.nodeid, self.inc) in self.members else "Joining"

    def settled(self) -> bool:
        """Quiet on a view that is what this node sees, with no round running or due."""
        return self._quiet and self._steady(self._desired())

    def live_nodes(self) -> tuple[int, ...]:
        return tuple(sorted(n for n, _ in self._desired()))

    # -- liveness --------------------------------------------------------------------------------
    def _steady(self, desired: list[Member], matches: bool | None = None) -> bool:
        """No round running or due, and ``desired`` is the installed view (``matches``, if known)."""
        if (
            not self.joined
            or self._round is not None
            or self._pending_since is not None
            or self._suspect_until
        ):
            return False
        return self._matches(desired) if matches is None else matches

    def _matches(self, desired: list[Member]) -> bool:
        return tuple(desired) == self.members and not self._view_mismatch(desired)

    def _may_go_quiet(self, desired: list[Member], matches: bool) -> bool:
        """Settled, and every member has shown this view directly since it was installed."""
        if not self._steady(desired, matches) or (self.nodeid, self.inc) not in self.members:
            return False
        mine = (self.gen, self._digest)
        return all(
            self._peer_view.get(node) == mine and self._heard.get(node, -1.0) >= self._view_at
            for node, _ in self.members
            if node != self.nodeid
        )

    def _update_mode(self, effects: list[Effect], desired: list[Member], matches: bool) -> None:
        if self._quiet:
            if self._steady(desired, matches):
                self._dirty = False
            else:
                self._gather()  # the predecessor went silent for a token, or news came
        elif self._may_go_quiet(desired, matches):
            self._quiet = True
            self._dirty = False
            self._credit.clear()
            hb = self._heartbeat_message()  # tell the gathering members we went quiet, once
            effects.extend(Send(node, hb) for node, _ in self.members if node != self.nodeid)
            self._next_heartbeat = self._mono + self.timing.heartbeat_ms

    # -- the step --------------------------------------------------------------------------------
    def _step(self, effects: list[Effect]) -> None:
        if self._quiet and not self._dirty:
            pred = self._pred
            heard = self._heard.get(pred) if pred is not None else None
            if pred is None or (heard is not None and self._mono - heard < self.timing.token_ms):
                self._heartbeat_if_due(effects)  # the steady ring's fast path: nothing else can be due
                return
        if self._suspect_until:
            for node in [n for n, until in self._suspect_until.items() if until <= self._mono]:
                del self._suspect_until[node]
        rnd = self._round
        if rnd is not None and self._mono >= rnd.deadline:
            for node, _ in rnd.members:
                if node not in rnd.acks:
                    self._missed[node] = self._missed.get(node, 0) + 1
                    if self._missed[node] >= MISSED_ROUNDS_BEFORE_SUSPECT:
                        self._suspect_until[node] = self._mono + self.timing.token_ms
                        self._missed[node] = 0
            self._round = None
        desired = self._desired()
        matches = self._matches(desired)
        self._update_mode(effects, desired, matches)
        self._heartbeat_if_due(effects, desired)
        self._maybe_start_round(effects, desired, matches)

    def _maybe_start_round(self, effects: list[Effect], desired: list[Member], matches: bool) -> None:
        if not self.joined or self._round is not None or self._mono < self._not_before:
            return
        self._on_credit = False
        if matches or desired[0][0] != self.nodeid:
            self._pending_since = None
            return
        if self._pending_since is None:
            self._pending_since = self._mono
        if self._mono - self._pending_since < self.timing.join_ms:
            return
        if any(not self._heard_lately(node) for node, _ in desired if node != self.nodeid):
            self._on_credit = True  # alive on credit only: wait for its word or for the credit to run out
            return
        self._on_credit = False
        self._pending_since = None
        gen = max(self.gen, self._max_gen_seen, self._promised[0]) + 1
        members = tuple(desired)
        current = set(self.members)
        left = tuple((n, inc, rm) for n, (inc, rm) in sorted(self._left.items()) if (n, inc) in current)
        self._promised = (gen, self.nodeid, self.inc)
        self._max_gen_seen = max(self._max_gen_seen, gen)
        self._round = _Round(gen, members, left, self._mono + self.timing.consensus_ms, {self.nodeid})
        proposal = Propose(self.nodeid, self.inc, gen, members, left)
        effects.extend(Send(node, proposal) for node, _ in members if node != self.nodeid)
        self._check_round_complete(effects)

    def _check_round_complete(self, effects: list[Effect]) -> None:
        rnd = self._round
        if rnd is None or any(node not in rnd.acks for node, _ in rnd.members):
            return
        self._round = None
        commit = Commit(self.nodeid, self.inc, rnd.gen, rnd.members, rnd.left)
        effects.extend(Send(node, commit) for node, _ in rnd.members if node != self.nodeid)
        self._install(rnd.gen, rnd.members, rnd.left, effects)

    # -- messages --------------------------------------------------------------------------------
    def _on_heartbeat(self, msg: Heartbeat, effects: list[Effect], first: bool) -> bool:
        """True if a step has anything to look at: news, or (gathering) the sender's first word since
        the view was installed, or word a due round waits for."""
        sender, gen = msg.sender, msg.gen
        view = (gen, msg.view)
        changed = self._peer_view.get(sender) != view
        if changed:
            self._peer_view[sender] = view
        if gen > self._max_gen_seen:
            self._max_gen_seen = gen
        in_view = self._member_inc.get(sender) == msg.inc
        if (
            in_view
            and gen < self.gen
            and self._round is None
            and (msg.quiet or (bool(self.members) and self.members[0][0] == self.nodeid))
        ):
            # it missed a commit: the coordinator repairs a gatherer, a ring neighbour a quiet one
            effects.append(
                Send(sender, Commit(self.nodeid, self.inc, self.gen, self.members, self._last_left))
            )
        for node, inc in msg.down:
            if node == self.nodeid or (self._member_inc.get(node) == inc and not self._heard_lately(node)):
                self._gather()  # one of us lost a member we have no word from ourselves: believe it
                self._credit.pop(node, None)
                changed = True
        if self._quiet and not msg.quiet and (not in_view or view == (self.gen, self._digest)):
            effects.append(Send(sender, self._heartbeat_message()))  # a gatherer or joiner: we are here
        return changed or (not self._quiet and (first or self._on_credit))

    def _on_propose(self, msg: Propose, effects: list[Effect]) -> None:
        self._max_gen_seen = max(self._max_gen_seen, msg.gen)
        if (self.nodeid, self.inc) not in msg.members:
            if any(node == self.nodeid for node, _ in msg.members):  # it knows an old incarnation of us
                effects.append(Send(msg.sender, Nack(self.nodeid, self.inc, msg.gen, self._highest())))
            return
        if self._promised == (msg.gen, msg.sender, msg.inc):
            effects.append(Send(msg.sender, Ack(self.nodeid, self.inc, msg.gen)))  # a retransmission
            return
        proposed = {node for node, _ in msg.members}
        lower_left_out = any(
            node < msg.sender and node not in proposed for node, _ in self._desired(masked=False)
        )
        if msg.gen <= self._highest() or lower_left_out:
            effects.append(Send(msg.sender, Nack(self.nodeid, self.inc, msg.gen, self._highest())))
            return
        self._promised = (msg.gen, msg.sender, msg.inc)
        effects.append(Send(msg.sender, Ack(self.nodeid, self.inc, msg.gen)))

    def _highest(self) -> int:
        return max(self.gen, self._promised[0])

    def _on_ack(self, msg: Ack, effects: list[Effect]) -> None:
        rnd = self._round
        if rnd is not None and msg.gen == rnd.gen and (msg.sender, msg.inc) in rnd.members:
            rnd.acks.add(msg.sender)
            self._missed.pop(msg.sender, None)
            self._check_round_complete(effects)

    def _on_nack(self, msg: Nack) -> None:
        rnd = self._round
        self._max_gen_seen = max(self._max_gen_seen, msg.highest)
        if rnd is not None and msg.gen == rnd.gen:
            self._round = None
            self._not_before = self._mono + self.timing.join_ms  # let the conflict settle, then retry

    def _on_commit(self, msg: Commit, effects: list[Effect]) -> None:
        self._max_gen_seen = max(self._max_gen_seen, msg.gen)
        if msg.gen > self.gen and (self.nodeid, self.inc) in msg.members:
            if self._round is not None and self._round.gen <= msg.gen:
                self._round = None
            self._install(msg.gen, msg.members, msg.left, effects)

    def _install(
        self, gen: int, members: tuple[Member, ...], left: tuple[Departure, ...], effects: list[Effect]
    ) -> None:
        old = dict(self.members)
        new = dict(members)
        clean = {(n, inc): rm for n, inc, rm in left}
        joined = tuple(n for n in sorted(new) if old.get(n) != new[n])
        departed = [n for n in sorted(old) if new.get(n) != old[n]]
        left_ids = tuple(n for n in departed if (n, old[n]) in clean)
        removed = tuple(n for n in left_ids if clean[(n, old[n])])
        failed = tuple(n for n in departed if (n, old[n]) not in clean)
        self._set_view(gen, members)
        self._last_left = left
        self._max_gen_seen = max(self._max_gen_seen, gen)
        self._pending_since = None
        self._next_heartbeat = self._mono  # show the new view to everyone now
        effects.append(ViewChange(gen, members, joined, left_ids, removed, failed))
