"""RmCore: one node's resource manager as a pure state machine, ``handle(event, now) -> effects``.

Deterministic, synchronous, no I/O: time is the ``now`` passed in. See :mod:`core_base` for who writes
which record and the safety gate, :mod:`owner` for what runs here, :mod:`decider` for placement.
"""

from __future__ import annotations

from dataclasses import replace

from .decider import DeciderPart
from .events import (
    AgentDone,
    Effect,
    Event,
    Lockdown,
    NodeFenced,
    Order,
    RecordUpdate,
    Reply,
    Send,
    SendState,
    StateSync,
    Tick,
    UserOp,
    UserRequest,
    ViewChange,
)
from .owner import OwnerPart
from .state import Flag, RgError, ServiceRecord, State

MAX_SETTLE_ROUNDS = 16


class RmCore(OwnerPart, DeciderPart):
    def __post_init__(self) -> None:
        super().__post_init__()
        self._owner_init()
        self._decider_init()
        self.synced_from: set[int] = set()
        self.deferred: dict[str, Order] = {}

    @property
    def ready(self) -> bool:
        """The decider acts only once every member's records of this view reached it."""
        return self.quorate and self.synced_from >= self.members

    def handle(self, event: Event, now: float) -> list[Effect]:
        self.now = now
        self.out = []
        if isinstance(event, ViewChange):
            self._view(event)
        elif isinstance(event, NodeFenced):
            self.fenced[event.nodeid] = max(self.fenced.get(event.nodeid, -1), event.generation)
            if self.ready:
                self.check_history()
        elif isinstance(event, AgentDone):
            self.agent_done(event.call_id, event.rc)
        elif isinstance(event, UserRequest):
            self._user(event)
        elif isinstance(event, RecordUpdate):
            self._record(event)
        elif isinstance(event, StateSync):
            self._sync(event)
        elif isinstance(event, Order):
            self._order(event)
        elif isinstance(event, Lockdown):
            self.locked = event.locked
            self.log("notice", "Resource groups locked" if event.locked else "Resource groups unlocked")
        elif isinstance(event, Tick):
            self.poll_status()
            if not self.ordered and not self.local_orders:
                return self.out  # placement is event-driven; a tick only expires stale orders
        self._settle()
        return self.out

    def _settle(self) -> None:
        for _ in range(MAX_SETTLE_ROUNDS):
            self._run_deferred()
            while self.local_orders:
                self._order(self.local_orders.pop(0))
            if self.decider == self.nodeid and self.ready and self.history:
                self.take_over()
                self.failbacks()
                self.place_all()
            if not self.local_orders:
                return

    # -- membership ------------------------------------------------------------------------------
    def _view(self, view: ViewChange) -> None:
        joined = set(view.members - self.members)
        for gone in self.members - view.members:
            self.failed_at[gone] = view.generation
        was_quorate = self.quorate
        self.generation, self.members, self.quorate = view.generation, view.members, view.quorate
        self.synced_from = set()
        if was_quorate and not view.quorate:
            self.log("error", "#1: Quorum Dissolved")
            self.history, self.formed = False, None
            self.proposals.clear()
            self.inflight.clear()
            for name in list(self.local):
                self._emergency_stop(name)
        if view.quorate:
            facts = (tuple(self.failed_at.items()), tuple(self.fenced.items()))
            records = tuple(self.records.values())
            self.out.append(SendState(view.generation, records, self.history, *facts, locked=self.locked))
            if self.decider == self.nodeid:
                self.on_view(joined)

    def _sync(self, sync: StateSync) -> None:
        if sync.generation != self.generation:
            return
        for record in sync.records:
            old = self.records.get(record.name)
            if record.name in self.services and self.apply(record):
                self._applied(old, record)
        for nodeid, generation in sync.failed_at:
            self.failed_at[nodeid] = max(self.failed_at.get(nodeid, -1), generation)
        for nodeid, generation in sync.fenced:
            self.fenced[nodeid] = max(self.fenced.get(nodeid, -1), generation)
        self.history = self.history or sync.history
        self.locked = self.locked or sync.locked  # a lockdown holds until an unlock everyone sees
        self.synced_from.add(sync.sender)
        if self.ready:
            self.check_history()
            if self.history:
                self._reclaim()

    def _reclaim(self) -> None:
        """Records that still name us as owner of what we no longer run (stopped while inquorate)."""
        for name, record in self.records.items():
            if (
                record.owner == self.nodeid
                and record.held
                and name not in self.local
                and name not in self.proposals
            ):
                self.propose(name, state=State.STOPPED, owner=0, last_owner=self.nodeid)

    # -- records ---------------------------------------------------------------------------------------
    def _record(self, update: RecordUpdate) -> None:
        record = update.record
        if record.name not in self.services or not self.quorate:
            return  # records change only in a quorate view: one lineage of versions
        old = self.records.get(record.name)
        applied = self.apply(record)
        proposal = self.proposals.get(record.name)
        if proposal is not None and (record.version >= proposal.version):
            self.proposal_applied(record.name)
        if applied:
            self._applied(old, record)

    def _applied(self, old: ServiceRecord | None, record: ServiceRecord) -> None:
        if self.decider == self.nodeid:
            self.record_seen(old, record)

    # -- requests and orders -------------------------------------------------------------------------
    def _user(self, request: UserRequest) -> None:
        name = request.service if ":" in request.service else f"service:{request.service}"
        request = replace(request, service=name)
        if name not in self.services:
            self.out.append(Reply(request.origin, request.request_id, RgError.ENOSERVICE))
        elif not self.quorate or not self.decider:
            self.out.append(Reply(request.origin, request.request_id, RgError.EQUORUM))
        elif self.decider != self.nodeid:
            self.out.append(Send(self.decider, request))
        elif not self.ready or not self.history:
            self.out.append(Reply(request.origin, request.request_id, RgError.EAGAIN))
        else:
            self.user_request(request, name)

    def _order(self, order: Order) -> None:
        name = order.service
        if name not in self.services or order.sender != self.decider or not self.quorate:
            self.log("notice", f"Ignoring {order.op.value} of {name} from {self.node_name(order.sender)}")
            return
        local = self.local.get(name)
        if local is not None and local.job is not None:
            self.deferred[name] = order  # after the job in flight
            return
        record = self.records[name]
        if order.op is UserOp.ENABLE:
            self.request_start(name)
            return
        if record.owner != self.nodeid:
            self.log("notice", f"Ignoring {order.op.value} of {name}: not the owner")
            return
        if order.op in (UserOp.FREEZE, UserOp.UNFREEZE):
            frozen = order.op is UserOp.FREEZE
            self.propose(name, flags=record.flags | Flag.FROZEN if frozen else record.flags & ~Flag.FROZEN)
            return
        if record.state is not State.FAILED:
            self.propose(name, state=State.STOPPING)
        if order.op is UserOp.DISABLE:
            self.stop_local(name, self._stopped_to(State.DISABLED))
        elif order.op is UserOp.RESTART:
            self.stop_local(name, self._restart_after_stop)
        else:  # STOP, RELOCATE: stopped here, the decider places it
            self.stop_local(name, self._stopped_to(State.STOPPED))

    def _restart_after_stop(self, name: str, ok: bool) -> None:
        if not ok:
            self._failed(name)
        elif self.quorate:
            self.request_start(name)

    def _run_deferred(self) -> None:
        for name, order in list(self.deferred.items()):
            local = self.local.get(name)
            if local is None or local.job is None:
                del self.deferred[name]
                self._order(order)
