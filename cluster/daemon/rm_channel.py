"""One total order per membership view for the resource manager's broadcasts (virtual synchrony over UDP).

The resource manager core needs every member to apply the same proposals in the same order, and nothing
sent in an older view to arrive in a newer one. The node's peer channel is best effort, so this adds the
rest with a fixed sequencer: the lowest node id of the view orders everything. Pure: messages and ticks in,
messages to send and deliveries out.

- ``submit(body)``: to the sequencer as ``sub`` (origin, n); repeated on every tick until it comes back.
- the sequencer numbers each new submission and sends ``seq`` (gen, seq, origin, n, body) to all members;
  it delivers to itself at once.
- a member delivers ``seq`` messages of its current view in order, buffers what comes early, asks ``gap``
  for what is missing, and learns the sequencer's high-water mark from ``hw`` on every tick (a lost last
  message shows up there).
- a new view drops everything of the old one: pending submissions, buffers, the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Body = dict[str, Any]


@dataclass(frozen=True)
class Outgoing:
    to: int | None  # None: every other member
    payload: Body


@dataclass
class OrderedChannel:
    me: int
    gen: int = -1
    members: tuple[int, ...] = ()
    next_n: int = 0  # our submission counter in this view
    pending: dict[int, Body] = field(default_factory=dict)  # our submissions not yet delivered
    log: list[tuple[int, int, Body]] = field(default_factory=list)  # sequencer: (origin, n, body) by seq
    seen: set[tuple[int, int]] = field(default_factory=set)  # sequencer: submissions already numbered
    delivered: int = 0  # how many seq messages we delivered in this view
    early: dict[int, tuple[int, int, Body]] = field(default_factory=dict)  # seq -> message that came early
    future: list[Body] = field(default_factory=list)  # messages of a view we have not installed yet

    @property
    def sequencer(self) -> int | None:
        return min(self.members) if self.members else None

    def new_view(self, gen: int, members: tuple[int, ...]) -> tuple[list[Outgoing], list[Body]]:
        self.gen, self.members = gen, tuple(sorted(members))
        self.next_n, self.delivered = 0, 0
        self.pending.clear()
        self.log.clear()
        self.seen.clear()
        self.early.clear()
        waiting, self.future = [m for m in self.future if m.get("gen") == gen], []
        sends: list[Outgoing] = []
        deliveries: list[Body] = []
        for payload in waiting:
            s, d = self.receive(int(payload.get("from", -1)), payload)
            sends += s
            deliveries += d
        return sends, deliveries

    # ---- sending ---------------------------------------------------------------------------------------
    def submit(self, body: Body) -> tuple[list[Outgoing], list[Body]]:
        """Broadcast ``body`` in this view; it is delivered to everyone (us too) in one order, or, if the
        view ends first, to nobody."""
        if self.sequencer is None:
            return [], []
        n, self.next_n = self.next_n, self.next_n + 1
        self.pending[n] = body
        return self._offer(self.me, n, body)

    def _offer(self, origin: int, n: int, body: Body) -> tuple[list[Outgoing], list[Body]]:
        if self.sequencer == self.me:
            return self._number(origin, n, body)
        sub = {"t": "sub", "gen": self.gen, "origin": origin, "n": n, "body": body}
        return [Outgoing(self.sequencer, sub)], []

    def _number(self, origin: int, n: int, body: Body) -> tuple[list[Outgoing], list[Body]]:
        if (origin, n) in self.seen:
            return [], []
        self.seen.add((origin, n))
        self.log.append((origin, n, body))
        seq = len(self.log) - 1
        out = [Outgoing(None, self._seq_payload(seq))]
        return out, self._accept(seq, origin, n, body)

    def _seq_payload(self, seq: int) -> Body:
        origin, n, body = self.log[seq]
        return {"t": "seq", "gen": self.gen, "seq": seq, "origin": origin, "n": n, "body": body}

    # ---- receiving -------------------------------------------------------------------------------------
    def receive(self, sender: int, payload: Body) -> tuple[list[Outgoing], list[Body]]:
        gen = payload.get("gen")
        if not isinstance(gen, int) or gen < self.gen:
            return [], []  # an older view: it is over
        if gen > self.gen:
            self.future.append({**payload, "from": sender})  # a view we are about to install
            del self.future[:-64]
            return [], []
        kind = payload.get("t")
        if kind == "sub" and self.sequencer == self.me:
            return self._number(int(payload["origin"]), int(payload["n"]), dict(payload["body"]))
        if kind == "seq":
            return self._on_seq(payload)
        if kind == "gap" and self.sequencer == self.me:
            start = int(payload.get("from_seq", 0))
            return [Outgoing(sender, self._seq_payload(s)) for s in range(start, len(self.log))][:64], []
        if kind == "hw" and self.sequencer != self.me and int(payload.get("seq", -1)) >= self.delivered:
            return [Outgoing(self.sequencer, {"t": "gap", "gen": self.gen, "from_seq": self.delivered})], []
        return [], []

    def _on_seq(self, payload: Body) -> tuple[list[Outgoing], list[Body]]:
        seq = int(payload["seq"])
        if seq < self.delivered:
            return [], []
        self.early[seq] = (int(payload["origin"]), int(payload["n"]), dict(payload["body"]))
        deliveries: list[Body] = []
        while self.delivered in self.early:
            origin, n, body = self.early.pop(self.delivered)
            deliveries += self._accept(self.delivered, origin, n, body)
        sends = []
        if self.early and self.sequencer is not None:  # a hole before what came: ask for it
            sends.append(Outgoing(self.sequencer, {"t": "gap", "gen": self.gen, "from_seq": self.delivered}))
        return sends, deliveries

    def _accept(self, seq: int, origin: int, n: int, body: Body) -> list[Body]:
        if self.sequencer == self.me:
            self.delivered = seq + 1
        else:
            self.delivered = max(self.delivered, seq + 1)
        if origin == self.me:
            self.pending.pop(n, None)
        return [body]

    # ---- time ------------------------------------------------------------------------------------------
    def tick(self) -> list[Outgoing]:
        """Repeat what may have been lost: our undelivered submissions; the sequencer's high-water mark."""
        if self.sequencer is None:
            return []
        if self.sequencer == self.me:
            return (
                [Outgoing(None, {"t": "hw", "gen": self.gen, "seq": len(self.log) - 1})] if self.log else []
            )
        return [
            Outgoing(self.sequencer, {"t": "sub", "gen": self.gen, "origin": self.me, "n": n, "body": body})
            for n, body in sorted(self.pending.items())
        ]
