"""The membership protocol: a pure, deterministic state machine per node.

Inputs: ``join``, ``leave``, ``receive(message)`` and ``tick``, each with the node's clock in ms.
Outputs: effects, :class:`Send` (a message for one peer) and :class:`ViewChange` (a view installed).

How it works:
- every node sends a heartbeat (its incarnation and installed view) to every configured node each
  ``heartbeat_ms`` (a quarter of the totem token); a peer silent for ``token_ms`` is dead;
- the coordinator is the lowest node id among the live nodes a node can see. When the live set differs
  from the installed view, or a peer reports a newer or different view, it waits ``join_ms`` for more
  changes, then proposes generation ``g`` (higher than any it has seen) with the member list;
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

from cluster.config import derive
from cluster.config.model import ClusterConf

from .messages import Ack, Commit, Departure, Heartbeat, Leave, Member, Message, Nack, Propose
from .view import ViewChange

MISSED_ROUNDS_BEFORE_SUSPECT = 2


@dataclass(frozen=True)
class Timing:
    token_ms: float = derive.DEFAULT_TOKEN_MS
    heartbeat_ms: float = derive.DEFAULT_TOKEN_MS / 4
    join_ms: float = derive.DEFAULT_JOIN_MS
    consensus_ms: float = 12000

    @classmethod
    def from_totem(
        cls,
        token_ms: float,
        node_count: int,
        join_ms: float = derive.DEFAULT_JOIN_MS,
        consensus_ms: float | None = None,
    ) -> Timing:
        consensus = (
            consensus_ms if consensus_ms is not None else derive.default_consensus(int(token_ms), node_count)
        )
        return cls(token_ms, max(token_ms / 4, 1.0), join_ms, consensus)


def timing_from_conf(conf: ClusterConf) -> Timing:
    """Protocol timing from ``<totem>``: token, join, and consensus (cman's rule when not set)."""
    return Timing.from_totem(conf.totem.token, len(conf.nodes), conf.totem.join, conf.consensus)


@dataclass(frozen=True, slots=True)
class Send:
    to: int
    message: Message


Effect = Send | ViewChange


@dataclass
class _Round:
    gen: int
    members: tuple[Member, ...]
    left: tuple[Departure, ...]
    deadline: float
    acks: set[int] = field(default_factory=set)


class MembershipNode:
    def __init__(self, nodeid: int, incarnation: int, nodes: Iterable[int], timing: Timing) -> None:
        self.nodeid = nodeid
        self.inc = incarnation
        self.nodes = frozenset(nodes) | {nodeid}
        self.timing = timing
        self.joined = self._joined_before = False
        self.gen = 0
        self.members: tuple[Member, ...] = ()
        self._mono = 0.0
        self._last_now: float | None = None
        self._promised = (0, 0, 0)  # (generation, coordinator, its incarnation)
        self._max_gen_seen = 0
        self._heard: dict[int, float] = {}
        self._peer_inc: dict[int, int] = {}
        self._peer_view: dict[int, tuple[int, tuple[Member, ...]]] = {}
        self._left: dict[int, tuple[int, bool]] = {}
        self._last_left: tuple[Departure, ...] = ()
        self._missed: dict[int, int] = {}
        self._suspect_until: dict[int, float] = {}
        self._round: _Round | None = None
        self._pending_since: float | None = None
        self._next_heartbeat = 0.0
        self._not_before = 0.0  # no round before this (startup settle, retry backoff)

    # -- public inputs ---------------------------------------------------------------------------
    def join(self, now: float) -> list[Effect]:
        self._advance(now)
        if self.joined:
            return []
        if self._joined_before:
            self.inc += 1  # rejoining after a leave: a new incarnation
        self.joined = self._joined_before = True
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
        self.members = ()
        self._round = None
        self._pending_since = None
        return [
            Send(peer, Leave(self.nodeid, self.inc, remove)) for peer in sorted(self.nodes - {self.nodeid})
        ]

    def receive(self, now: float, msg: Message) -> list[Effect]:
        self._advance(now)
        effects: list[Effect] = []
        sender = msg.sender
        if sender == self.nodeid or sender not in self.nodes or not self.joined:
            return effects
        if msg.inc < self._peer_inc.get(sender, 0):
            return effects  # a late message from an earlier life of that node
        if isinstance(msg, Leave):
            self._left[sender] = (msg.inc, msg.remove)
            self._peer_inc[sender] = msg.inc
            self._heard.pop(sender, None)
        else:
            news = self._hear(sender, msg.inc)
            if isinstance(msg, Heartbeat):
                if not self._on_heartbeat(msg, effects) and not news:
                    return effects  # nothing a coordinator would act on has changed
            elif isinstance(msg, Propose):
                self._on_propose(msg, effects)
            elif isinstance(msg, Ack):
                self._on_ack(msg, effects)
            elif isinstance(msg, Nack):
                self._on_nack(msg)
            elif isinstance(msg, Commit):
                self._on_commit(msg, effects)
        self._maybe_start_round(effects)
        return effects

    def tick(self, now: float) -> list[Effect]:
        self._advance(now)
        effects: list[Effect] = []
        if self.joined:
            self._step(effects)
        return effects

    def wakeup_in(self) -> float:
        """Milliseconds until this node next needs a tick (it may be ticked earlier or later)."""
        if not self.joined:
            return self.timing.token_ms
        t = self.timing
        due = [self._next_heartbeat, *self._suspect_until.values()]  # overdue ones mean "tick now"
        if self._round is not None:
            due.append(self._round.deadline)
        if self._pending_since is not None:
            due.append(max(self._pending_since + t.join_ms, self._not_before))
        later = [self._not_before] + [heard + t.token_ms for heard in self._heard.values()]
        due += [c for c in later if c > self._mono]
        return max(0.0, min(due) - self._mono)

    # -- queries ---------------------------------------------------------------------------------
    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(n for n, _ in self.members)

    @property
    def state(self) -> str:
        """``cman_tool status``'s "Membership state": Not-in-Cluster, Joining or Cluster-Member."""
        if not self.joined:
            return "Not-in-Cluster"
        return "Cluster-Member" if (self.nodeid, self.inc) in self.members else "Joining"

    def settled(self) -> bool:
        """No round running or due: the installed view is what this node sees, and nothing is pending."""
        if (
            not self.joined
            or self._round is not None
            or self._pending_since is not None
            or self._suspect_until
        ):
            return False
        desired = self._desired()
        return tuple(desired) == self.members and not self._view_mismatch(desired)

    def live_nodes(self) -> tuple[int, ...]:
        return tuple(sorted(n for n, _ in self._desired()))

    # -- internals -------------------------------------------------------------------------------
    def _advance(self, now: float) -> None:
        if self._last_now is not None and now > self._last_now:
            self._mono += now - self._last_now
        self._last_now = now

    def _hear(self, sender: int, inc: int) -> bool:
        """Record a sign of life; True if the sender was not alive before or is a new incarnation."""
        news = not self._alive(sender) or self._peer_inc.get(sender) != inc
        self._heard[sender] = self._mono
        if self._peer_inc.get(sender) != inc:
            self._peer_inc[sender] = inc
            self._peer_view.pop(sender, None)
            if sender in self._left and self._left[sender][0] != inc:
                del self._left[sender]
        return news

    def _alive(self, node: int) -> bool:
        heard = self._heard.get(node)
        return heard is not None and self._mono - heard < self.timing.token_ms

    def _desired(self) -> list[Member]:
        out = [(self.nodeid, self.inc)]
        for node, inc in self._peer_inc.items():
            if not self._alive(node) or self._suspect_until.get(node, 0) > self._mono:
                continue
            if node in self._left and self._left[node][0] == inc:
                continue
            out.append((node, inc))
        out.sort()
        return out

    def _step(self, effects: list[Effect]) -> None:
        if self._mono >= self._next_heartbeat:
            hb = Heartbeat(self.nodeid, self.inc, self.gen, self.members)
            effects.extend(Send(peer, hb) for peer in sorted(self.nodes - {self.nodeid}))
            self._next_heartbeat = self._mono + self.timing.heartbeat_ms
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
        self._maybe_start_round(effects)

    def _view_mismatch(self, desired: list[Member]) -> bool:
        for node, _ in desired:
            view = self._peer_view.get(node)
            if node == self.nodeid or view is None:
                continue
            gen, members = view
            if gen > self.gen or (gen == self.gen and members != self.members):
                return True
        return False

    def _maybe_start_round(self, effects: list[Effect]) -> None:
        if not self.joined or self._round is not None or self._mono < self._not_before:
            return
        desired = self._desired()
        if desired[0][0] != self.nodeid or (
            tuple(desired) == self.members and not self._view_mismatch(desired)
        ):
            self._pending_since = None
            return
        if self._pending_since is None:
            self._pending_since = self._mono
        if self._mono - self._pending_since < self.timing.join_ms:
            return
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

    def _on_heartbeat(self, msg: Heartbeat, effects: list[Effect]) -> bool:
        """Returns True if the sender's view changed since its last heartbeat."""
        view = (msg.gen, msg.members)
        changed = self._peer_view.get(msg.sender) != view
        self._peer_view[msg.sender] = view
        self._max_gen_seen = max(self._max_gen_seen, msg.gen)
        in_view = (msg.sender, msg.inc) in self.members
        coordinator = bool(self.members) and self.members[0][0] == self.nodeid
        if coordinator and in_view and msg.gen < self.gen and self._round is None:
            effects.append(
                Send(msg.sender, Commit(self.nodeid, self.inc, self.gen, self.members, self._last_left))
            )
        return changed

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
        lower_left_out = any(node < msg.sender and node not in proposed for node, _ in self._desired())
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
        self.gen = gen
        self.members = members
        self._last_left = left
        self._max_gen_seen = max(self._max_gen_seen, gen)
        self._pending_since = None
        effects.append(ViewChange(gen, members, joined, left_ids, removed, failed))
