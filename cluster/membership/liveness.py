"""Who is alive, as one node sees it, and the quiet ring that keeps finding out cheaply.

- **quiet (ring) mode**, the steady state: the members of the installed view form a ring in node id
  order; each sends a heartbeat (incarnation, generation and a digest of its view) only to its ring
  successor each ``heartbeat_ms`` (a quarter of the token), and watches only its predecessor. The other
  members count as alive: the ring vouches for them, since a silent one is seen by its successor. So a
  node sends and receives a constant number of constant-size messages per token, whatever the cluster
  size. The view's coordinator also heartbeats the configured nodes that are not members, so a node that
  comes up, or the other side of a healed partition, hears of the view;
- a committed view is quiet at once: every member acked it a moment ago, so the commit vouches for all
  of them (the new predecessor too) for a token. A member that missed the commit shows its old
  generation to a ring neighbour, which sends it the commit again;
- joins and leaves go to the coordinator: a quiet member that is not the coordinator leaves them to it
  (it hears of them directly: a joiner heartbeats every node, a leaver tells every node) and only
  answers a joiner's heartbeats, so a join or a leave costs O(N) messages. It still gathers when its
  predecessor falls silent, changes incarnation, or has left without a new view for a token;
- **gathering**: anything else unsettled (a predecessor lost, a peer showing a newer or different view,
  a member reporting a lost member, the coordinator's own news) makes a node heartbeat every configured
  node and name the members it has lost (``down``: silent or restarted, or left a token ago without a
  new view). Members it has not heard directly stay alive on credit for one token from the moment it
  started gathering; a ``down`` report withdraws that credit at once (unless this node heard the member
  itself lately). A node goes quiet again once its view is settled and every member has shown it the
  same view since it was installed. A quiet node answers a gathering member's heartbeat with one of its
  own, so the gatherer hears it without pulling the whole ring back into gathering.
"""

from __future__ import annotations

from collections.abc import Iterable

from .effects import Effect, Send, Timing
from .messages import Heartbeat, Member
from .view import ring_neighbours, view_digest


class Liveness:
    """The liveness half of :class:`~cluster.membership.protocol.MembershipNode` (views, heartbeats)."""

    # slots: over 30 attributes would take instances off CPython's fast shared-key attribute path
    __slots__ = (
        "nodeid", "inc", "nodes", "_others", "timing", "gen", "members", "_member_inc", "_digest",
        "_pred", "_ring_targets", "_view_at", "_vouched_until", "_quiet", "_dirty", "_credit", "_mono",
        "_last_now", "_heard", "_peer_inc", "_peer_view", "_left", "_left_at", "_suspect_until",
        "_next_heartbeat", "_last_hb", "_last_hb_sends",
    )  # fmt: skip

    def __init__(self, nodeid: int, incarnation: int, nodes: Iterable[int], timing: Timing) -> None:
        self.nodeid = nodeid
        self.inc = incarnation
        self.nodes = frozenset(nodes) | {nodeid}
        self._others = tuple(sorted(self.nodes - {nodeid}))
        self.timing = timing
        self.gen = 0
        self.members: tuple[Member, ...] = ()
        self._member_inc: dict[int, int] = {}
        self._digest = view_digest(())
        self._pred: int | None = None
        self._ring_targets: tuple[int, ...] = ()  # whom a quiet node heartbeats (see _set_view)
        self._view_at = 0.0
        self._vouched_until = 0.0  # the installed view's commit vouches for the predecessor until then
        self._quiet = False  # ring mode: heartbeats to the successor only
        self._dirty = True  # something may have changed since the last full look (quiet mode's fast path)
        self._credit: dict[int, float] = {}  # member -> alive without direct word until (gathering)
        self._mono = 0.0
        self._last_now: float | None = None
        self._heard: dict[int, float] = {}  # last direct word from a node
        self._peer_inc: dict[int, int] = {}
        self._peer_view: dict[int, tuple[int, int]] = {}  # node -> (generation, view digest)
        self._left: dict[int, tuple[int, bool]] = {}
        self._left_at: dict[int, float] = {}
        self._suspect_until: dict[int, float] = {}
        self._next_heartbeat = 0.0
        self._last_hb: Heartbeat | None = None
        self._last_hb_sends: tuple[Heartbeat | None, tuple[int, ...], tuple[Send, ...]] = (None, (), ())

    def _advance(self, now: float) -> None:
        if self._last_now is not None and now > self._last_now:
            self._mono += now - self._last_now
        self._last_now = now

    def _hear(self, sender: int, inc: int, last: float | None) -> bool:
        """Record a sign of life (``last``: the previous one); True if the sender was not alive before
        or is a new incarnation."""
        mono = self._mono
        known = self._peer_inc.get(sender) == inc
        news = not known or not (
            (last is not None and mono - last < self.timing.token_ms) or self._alive(sender)
        )
        self._heard[sender] = mono
        if not known:
            self._peer_inc[sender] = inc
            self._peer_view.pop(sender, None)
            self._credit.pop(sender, None)
            if sender in self._left and self._left[sender][0] != inc:
                del self._left[sender]
        return news

    def _heard_lately(self, node: int) -> bool:
        heard = self._heard.get(node)
        return heard is not None and self._mono - heard < self.timing.token_ms

    def _alive(self, node: int) -> bool:
        if self._heard_lately(node):
            return True
        if node not in self._member_inc or self._member_inc[node] != self._peer_inc.get(node):
            return False
        if self._quiet:  # the ring vouches for every member but the one we watch (and the commit for it)
            return node != self._pred or self._mono < self._vouched_until
        return self._credit.get(node, 0.0) > self._mono

    def _acting_coordinator(self) -> bool:
        """The lowest member of the view that has not left (as far as we know) is us."""
        for node, inc in self.members:
            left = self._left.get(node)
            if left is None or left[0] != inc:
                return node == self.nodeid
        return False

    def _desired(self, masked: bool = True) -> list[Member]:
        """Who this node would have in the view: itself and the live nodes (``_alive``, inlined: this runs
        on every input). A quiet member that is not the coordinator leaves joins and leaves to the
        coordinator, which hears of them directly (``masked``): for it the view stands unless its
        predecessor falls silent, so a join or a leave costs O(N) messages, not a gather of everyone."""
        mono, token, heard, member_inc = self._mono, self.timing.token_ms, self._heard, self._member_inc
        pred = self._pred
        if masked and self._quiet and not self._acting_coordinator():
            last = heard.get(pred) if pred is not None else None
            same_life = pred is None or self._peer_inc.get(pred) == member_inc[pred]
            lately = last is not None and mono - last < token
            if pred is None or (same_life and (lately or mono < self._vouched_until)):
                return list(self.members)
            if mono - self._left_at.get(pred, -token) < token:
                return list(self.members)  # it left: the coordinator has a token to commit that
            return [m for m in self.members if m[0] != pred]
        out = [(self.nodeid, self.inc)]
        quiet, credit, suspect, left = self._quiet, self._credit, self._suspect_until, self._left
        for member in self._peer_inc.items():
            node, inc = member
            last = heard.get(node)
            if last is None or mono - last >= token:  # no word lately: vouched for, or on credit?
                if member_inc.get(node) != inc:
                    continue
                if quiet:
                    if node == pred and mono >= self._vouched_until:
                        continue
                elif credit.get(node, 0.0) <= mono:
                    continue
            if suspect and suspect.get(node, 0) > mono:
                continue
            if left and node in left and left[node][0] == inc:
                continue
            out.append(member)
        out.sort()
        return out

    # -- modes -----------------------------------------------------------------------------------
    def _gather(self) -> None:
        """Leave quiet mode: heartbeat everyone now, and trust the members not heard directly for one
        more token (the ring vouched for them until now)."""
        self._dirty = True
        if not self._quiet:
            return
        self._quiet = False
        until = self._mono + self.timing.token_ms
        for node, inc in self.members:
            if node not in (self.nodeid, self._pred) and self._peer_inc.get(node) == inc:
                self._credit[node] = until
        self._next_heartbeat = self._mono

    def _heartbeat_message(self, desired: list[Member] | None = None) -> Heartbeat:
        down: tuple[Member, ...] = ()
        if not self._quiet and self.members:  # members we have word of but that are gone: silent,
            # restarted, or left a token ago (a node that leaves tells everyone itself; this is for
            # those who missed that)
            alive = {n for n, _ in desired or self._desired()}
            lost = [m for m in self.members if m[0] not in alive]
            if lost:
                token, mono, left = self.timing.token_ms, self._mono, self._left
                down = tuple(
                    (n, inc)
                    for n, inc in lost
                    if n in self._peer_inc
                    and not (left.get(n, (None,))[0] == inc and mono - self._left_at[n] < token)
                )
        hb = self._last_hb  # the same heartbeat goes out every period of a steady view: build it once
        if (
            hb is None
            or hb.gen != self.gen
            or hb.view != self._digest
            or hb.inc != self.inc
            or hb.quiet is not self._quiet
            or hb.down != down
        ):
            hb = self._last_hb = Heartbeat(self.nodeid, self.inc, self.gen, self._digest, self._quiet, down)
        return hb

    def _heartbeat_if_due(self, effects: list[Effect], desired: list[Member] | None = None) -> None:
        if self._mono >= self._next_heartbeat:
            hb = self._heartbeat_message(desired)
            targets = self._ring_targets if self._quiet else self._others
            last = self._last_hb_sends
            if last[0] is not hb or last[1] is not targets:
                last = self._last_hb_sends = (hb, targets, tuple(Send(peer, hb) for peer in targets))
            effects.extend(last[2])
            self._next_heartbeat = self._mono + self.timing.heartbeat_ms

    def _view_mismatch(self, desired: list[Member]) -> bool:
        for node, _ in desired:
            view = self._peer_view.get(node)
            if node == self.nodeid or view is None:
                continue
            gen, digest = view
            if gen > self.gen or (gen == self.gen and digest != self._digest):
                return True
        return False

    def _set_view(self, gen: int, members: tuple[Member, ...]) -> None:
        self.gen = gen
        self.members = members
        self._member_inc = dict(members)
        self._digest = view_digest(members)
        self._pred, succ = ring_neighbours(members, self.nodeid)
        self._ring_targets = (succ,) if succ is not None else ()
        if members and members[0][0] == self.nodeid:  # the coordinator keeps looking for nodes outside
            self._ring_targets += tuple(n for n in self._others if n not in self._member_inc)
        self._view_at = self._mono
        # a committed view: every member acked it a moment ago, so it vouches for them for a token, and
        # the ring watches them from now on (a member that missed the commit is repaired by a neighbour)
        self._quiet = (self.nodeid, self.inc) in members
        self._vouched_until = self._mono + self.timing.token_ms
        self._dirty = True
        self._credit = {}
        for node, inc in members:
            if node != self.nodeid and self._peer_inc.get(node, -1) < inc:
                self._peer_inc[node] = inc
                self._peer_view.pop(node, None)
