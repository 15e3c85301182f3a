"""The decider's side: where services go. Runs on the lowest node id of the quorate view.

It takes over a dead owner's services once that owner is fenced since its failure, places stopped and
recovering services (failover domains, exclusive, depend), fails back to better nodes that join, and
turns clusvcadm requests into orders for the nodes that act. Its memory (parked services, nodes a
start failed on, pending replies) is advisory: a new decider starts from the replicated records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .core_base import CoreBase
from .events import Order, Reply, Send, UserOp, UserRequest
from .placement import Score, best_target_node, exclusive_conflict, node_should_start
from .state import Flag, RgError, ServiceRecord, State

ORDER_TIMEOUT = 60.0  # an order nobody acted on is forgotten after this long


@dataclass
class Pending:
    request: UserRequest
    original_owner: int = 0


class DeciderPart(CoreBase):
    def _decider_init(self) -> None:
        self.parked: set[str] = set()  # stopped by the user or nowhere to go: left alone until a view change
        self.start_failed: dict[str, set[int]] = {}
        self.avoid: dict[str, int] = {}  # relocating away from this node (fallback if nothing else)
        self.relocate_to: dict[str, int] = {}
        self.ordered: dict[str, tuple[int, float, int]] = {}  # service -> (target, when, record version)
        self.pending: dict[str, Pending] = {}
        self.joined: set[int] = set()

    # -- helpers -------------------------------------------------------------------------------------
    def candidates(self) -> list[tuple[int, str]]:
        return [(n, self.node_name(n)) for n in sorted(self.members)]

    def score(self, name: str, nodeid: int) -> Score:
        service = self.services[name]
        record = self.records[name]
        owner = self.node_name(record.owner) if record.owner else None
        online = [self.node_name(n) for n in self.members]
        return node_should_start(
            self.node_name(nodeid), online, self.conf.domain(service.domain), record, owner
        )

    def order(self, to: int, op: UserOp, name: str) -> None:
        self.ordered[name] = (to, self.now, self.records[name].version)
        message = Order(op, name, self.nodeid)
        if to == self.nodeid:
            self.local_orders.append(message)
        else:
            self.out.append(Send(to, message))

    def reply(self, request: UserRequest, code: RgError, owner: int = 0) -> None:
        self.out.append(Reply(request.origin, request.request_id, code, owner))

    def depend_ok(self, name: str) -> bool:
        depend = self.services[name].depend
        return depend is None or (depend in self.records and self.records[depend].state is State.STARTED)

    # -- node events -----------------------------------------------------------------------------------
    def on_view(self, joined: set[int]) -> None:
        self.parked.clear()
        self.start_failed.clear()
        self.ordered = {k: v for k, v in self.ordered.items() if v[0] in self.members}
        self.joined |= joined  # failback is judged once everyone's records are in (see failbacks)

    def failbacks(self) -> None:
        joined, self.joined = self.joined & self.members, set()
        if not joined:
            return
        for name, record in self.records.items():
            if record.state is State.STARTED and not record.frozen and self.online(record.owner):
                self._failback(name, record, joined)

    def _failback(self, name: str, record: ServiceRecord, joined: set[int]) -> None:
        mine = self.score(name, record.owner)
        for nodeid in sorted(joined, reverse=True):
            if self.score(name, nodeid) > mine and not exclusive_conflict(
                self.services[name], nodeid, self.records, self.services
            ):
                self.log("notice", f"Relocating {name} to better node {self.node_name(nodeid)}")
                self.relocate_to[name] = nodeid
                self.avoid[name] = record.owner
                self.order(record.owner, UserOp.RELOCATE, name)
                return

    def take_over(self) -> None:
        """Mark a departed owner's services stopped, but only once it is fenced since its failure."""
        for name, record in self.records.items():
            if not record.held or self.online(record.owner) or name in self.inflight:
                continue
            if not self.fenced_since_failure(record.owner):
                continue  # the gate: it may still run it (rgmanager's DLM recovery waits here too)
            self.log("notice", f"Taking over service {name} from down member {self.node_name(record.owner)}")
            self.propose(
                name, state=State.STOPPED, owner=0, last_owner=record.owner, flags=self.frozen_kept(record)
            )

    # -- placement -----------------------------------------------------------------------------------
    def place_all(self) -> None:
        for name, expiry in list(self.ordered.items()):
            if self.now - expiry[1] > ORDER_TIMEOUT or self.records[name].version > expiry[2]:
                del self.ordered[name]
        for name in sorted(self.records):
            record = self.records[name]
            if name in self.ordered or name in self.inflight or record.frozen:
                continue
            service = self.services[name]
            if record.state is State.STOPPED and record.transition == 0 and not service.autostart:
                self.propose(name, state=State.DISABLED)
                continue
            if record.state not in (State.STOPPED, State.RECOVERING) or name in self.parked:
                continue
            if not self.depend_ok(name):
                continue
            target = self.choose(name)
            if target == 0:
                self._give_up(name, record)
                continue
            self.order(target, UserOp.ENABLE, name)

    def _give_up(self, name: str, record: ServiceRecord) -> None:
        self.parked.add(name)
        service = self.services[name]
        domain = self.conf.domain(service.domain)
        if (
            domain is not None
            and domain.restricted
            and not any(self.online_name(n.name) for n in domain.nodes)
        ):
            self.log("notice", f"Marking {name} as stopped: Restricted domain unavailable")
        else:
            self.log("warning", f"No node can start {name}; leaving it stopped")
        if record.state is State.RECOVERING:
            self.propose(name, state=State.STOPPED, owner=0)
        pending = self.pending.pop(name, None)
        if pending is not None:
            self.reply(pending.request, RgError.EFAIL)

    def online_name(self, node: str) -> bool:
        return any(self.node_name(n) == node for n in self.members)

    def choose(self, name: str) -> int:
        """The node to start ``name`` on: the requested one, else the best, else the one we left."""
        failed = self.start_failed.get(name, set())
        pool = [c for c in self.candidates() if c[0] not in failed]
        wanted = self.relocate_to.get(name)
        if wanted and any(n == wanted for n, _ in pool) and self.fits(name, wanted):
            return wanted
        record = self.records[name]
        avoid = {self.avoid.get(name, 0), record.last_owner if record.state is State.RECOVERING else 0} - {0}
        service = self.services[name]
        domain = self.conf.domain(service.domain)
        first = [c for c in pool if c[0] not in avoid]
        best = best_target_node(first, 0, service, domain, self.projected(), self.services, self.names)
        if best:
            return best
        return next((n for n, _ in pool if n in avoid and self.fits(name, n)), 0)

    def projected(self) -> dict[str, ServiceRecord]:
        """The records as they will be once the starts already ordered happen: a node just chosen for a
        service counts as running it, so an exclusive service placed in the same round avoids it."""
        records = dict(self.records)
        for name, (to, _, _) in self.ordered.items():
            if name in records and not records[name].held:
                records[name] = replace(records[name], owner=to, state=State.STARTING)
        return records

    def fits(self, name: str, nodeid: int) -> bool:
        service = self.services[name]
        return self.score(name, nodeid) >= Score.GOOD and not exclusive_conflict(
            service, nodeid, self.projected(), self.services
        )

    # -- records seen --------------------------------------------------------------------------------
    def record_seen(self, old: ServiceRecord | None, new: ServiceRecord) -> None:
        name = new.name
        order = self.ordered.get(name)
        if order and new.state is State.RECOVERING and new.last_owner == order[0]:
            self.start_failed.setdefault(name, set()).add(order[0])  # the start failed there
        if new.state is State.STARTED:
            self.start_failed.pop(name, None)
            self.avoid.pop(name, None)
            self.relocate_to.pop(name, None)
        self._answer(name, new)
        if old is not None and old.state is State.STARTED and new.state is not State.STARTED:
            for other, service in self.services.items():  # depend: x stopped -> stop its dependents
                dependent = self.records[other]
                if (
                    service.depend == name
                    and dependent.state is State.STARTED
                    and self.online(dependent.owner)
                ):
                    self.log("notice", f"Stopping {other}: it depends on {name}")
                    self.order(dependent.owner, UserOp.STOP, other)

    def _answer(self, name: str, record: ServiceRecord) -> None:
        pending = self.pending.get(name)
        if pending is None:
            return
        op = pending.request.op
        code: RgError | None = None
        if op in (UserOp.ENABLE, UserOp.RELOCATE, UserOp.RESTART):
            if record.state is State.STARTED:
                moved = op is UserOp.RELOCATE and pending.original_owner == record.owner
                code = RgError.ERELO if moved else RgError.SUCCESS
            elif record.state in (State.FAILED, State.DISABLED):
                code = RgError.EFAIL
        elif op is UserOp.DISABLE and record.state in (State.DISABLED, State.FAILED):
            code = RgError.SUCCESS if record.state is State.DISABLED else RgError.EFAIL
        elif op is UserOp.STOP and record.state in (State.STOPPED, State.FAILED):
            code = RgError.SUCCESS if record.state is State.STOPPED else RgError.EFAIL
        elif op in (UserOp.FREEZE, UserOp.UNFREEZE) and record.frozen == (op is UserOp.FREEZE):
            code = RgError.SUCCESS
        if code is not None:
            del self.pending[name]
            self.reply(pending.request, code, record.owner)

    # -- user requests -------------------------------------------------------------------------------
    def user_request(self, request: UserRequest, name: str) -> None:
        record = self.records[name]
        op = request.op
        if self.locked and op in (UserOp.ENABLE, UserOp.RELOCATE, UserOp.RESTART):
            self.reply(request, RgError.EAGAIN)  # rgmanager: a start while locked down is "try again"
            return
        owner_up = record.held and self.online(record.owner)
        if record.held and not owner_up and not self.fenced_since_failure(record.owner):
            self.reply(request, RgError.EFENCE)
            return
        if record.frozen and op is not UserOp.UNFREEZE and op is not UserOp.FREEZE:
            self.reply(request, RgError.EFROZEN)
            return
        if op in (UserOp.FREEZE, UserOp.UNFREEZE):
            if record.state not in (State.STOPPED, State.STARTED, State.DISABLED):
                self.reply(request, RgError.EAGAIN)
            elif owner_up:
                self._pend(request, name, record)
                self.order(record.owner, op, name)
            else:
                self._pend(request, name, record)
                flags = record.flags | Flag.FROZEN if op is UserOp.FREEZE else record.flags & ~Flag.FROZEN
                self.propose(name, flags=flags)
            return
        if op in (UserOp.DISABLE, UserOp.STOP):
            if op is UserOp.STOP:
                self.parked.add(name)
            if owner_up:
                self._pend(request, name, record)
                self.order(record.owner, op, name)
            elif op is UserOp.DISABLE:
                self._pend(request, name, record)
                self.propose(name, state=State.DISABLED, owner=0)
            else:
                self.reply(request, RgError.SUCCESS)
            return
        if op is UserOp.RESTART and owner_up and record.state is State.STARTED:
            self._pend(request, name, record)
            self.order(record.owner, op, name)
            return
        if op is UserOp.RELOCATE and owner_up and record.state is State.STARTED:
            self._relocate(request, name, record)
            return
        if record.state is State.FAILED:
            self.reply(request, RgError.EFAIL, record.owner)  # failed: only disable clears it
            return
        if owner_up:
            self.reply(request, RgError.ERUN, record.owner)
            return
        self._enable(request, name)

    def _pend(self, request: UserRequest, name: str, record: ServiceRecord) -> None:
        previous = self.pending.get(name)
        if previous is not None:
            self.reply(previous.request, RgError.EAGAIN)
        self.pending[name] = Pending(request, record.owner)

    def _target_problem(self, name: str, target: int) -> RgError | None:
        if not self.online(target):
            return RgError.ENODE
        if self.score(name, target) < Score.GOOD:
            return RgError.EDOMAIN
        if exclusive_conflict(self.services[name], target, self.records, self.services):
            return RgError.EEXCL if self.services[name].exclusive else RgError.EDEPEND
        return None

    def _enable(self, request: UserRequest, name: str) -> None:
        if not self.depend_ok(name):
            self.reply(request, RgError.EDEPEND)
            return
        target = (
            request.target if request.target is not None else (0 if request.by_domain else request.origin)
        )
        if target == 0:
            service = self.services[name]
            domain = self.conf.domain(service.domain)
            target = best_target_node(
                self.candidates(), 0, service, domain, self.records, self.services, self.names
            )
            if target == 0:
                self.reply(request, RgError.EDOMAIN)
                return
        problem = self._target_problem(name, target)
        if problem is not None:
            self.reply(request, problem)
            return
        self.parked.discard(name)
        self._pend(request, name, self.records[name])
        self.order(target, UserOp.ENABLE, name)

    def _relocate(self, request: UserRequest, name: str, record: ServiceRecord) -> None:
        if request.target is not None:
            problem = self._target_problem(name, request.target)
            if problem is not None:
                self.reply(request, problem)
                return
            self.relocate_to[name] = request.target
        self.avoid[name] = record.owner
        self._pend(request, name, record)
        self.order(record.owner, UserOp.RELOCATE, name)
