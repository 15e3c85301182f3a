"""The resource manager inside the node daemon: the pure ``RmCore`` driven by asyncio.

The node daemon's second :class:`~cluster.daemon.service.ClusterService` (docs/rm.md says why it is not a
process of its own). Inputs become core events: membership views with quorum, fenced's "victim fenced"
events (given by the node, never read from fenced), agent exits, clusvcadm requests and peers' messages.
Effects are carried out here: agents run as processes (cluster.procrun) with the clean OCF environment,
proposals go through the view's ordered channel (cluster.daemon.rm_channel), orders and replies go point to
point. Every applied record change is a ``service`` event in the node's stream.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from cluster.config.model import ClusterConf
from cluster.daemon.control import ControlError, Handler
from cluster.daemon.rm_channel import Body, OrderedChannel, Outgoing
from cluster.daemon.rm_codec import (
    message_from_json,
    message_to_json,
    record_from_json,
    record_to_json,
    sync_from_json,
    sync_to_json,
)
from cluster.daemon.service import Payload, ServiceContext, ServiceFactory
from cluster.membership.view import ViewChange as MembershipView
from cluster.procrun import run_process
from cluster.rm.agent_dir import AgentLibrary, default_agent_dirs
from cluster.rm.conf_build import build_rm
from cluster.rm.core import RmCore
from cluster.rm.events import (
    AgentDone,
    Broadcast,
    Event,
    Lockdown,
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
from cluster.rm.lives import NodeLives
from cluster.rm.ocf import code_text, invocation
from cluster.rm.state import RgError, State, rg_strerror

TICK = 1.0  # seconds between status looks (the core polls each service at its status_poll_interval)
CHANNEL_TICK = 0.3  # repeats of lost broadcasts
UNENFORCED_CAP = (
    900.0  # rgmanager enforces no timeout by default; a hung agent is still not waited on forever
)
REQUEST_TIMEOUT = 30.0
LEAVE_POLL = 0.05  # how often a leaving node looks whether its services stopped without an answer
LEVELS = {"info": logging.INFO, "notice": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class RgManagerService:
    name = "rgmanager"

    def __init__(
        self,
        conf: ClusterConf,
        ctx: ServiceContext,
        library: AgentLibrary | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ctx, self._log, self._clock = ctx, ctx.log, clock
        self._library = library or AgentLibrary(default_agent_dirs())
        self.names = {n.nodeid: n.name for n in conf.nodes}
        self.core = self._build(conf)
        self.channel = OrderedChannel(ctx.nodeid)
        self.generation, self.quorate = -1, False
        self.members: tuple[int, ...] = ()
        self.lives = NodeLives()
        self._inbox: deque[Event] = deque()
        self._draining = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: list[asyncio.TimerHandle] = []
        self._replies: dict[int, asyncio.Future[tuple[int, int]]] = {}
        self._next_request = 1
        self._shown: dict[str, tuple[int, int, int]] = {}
        self._closed = False

    def _build(self, conf: ClusterConf) -> RmCore:
        rmconf, problems = build_rm(conf.rm, self._library, conf.source, set(self.names.values()))
        for problem in problems:
            self._log.warning(f"#{problem}")  # rgmanager logs and drops what it cannot use
        return RmCore(self._ctx.nodeid, rmconf, dict(self.names))

    # ---- the service protocol ---------------------------------------------------------------------------
    def on_view(self, view: MembershipView, quorate: bool) -> None:
        self._start_timers()
        self.generation, self.members, self.quorate = view.gen, view.member_ids, quorate
        self.lives.observe(view.gen, view.incarnations)
        sends, delivered = self.channel.new_view(view.gen, view.member_ids)
        self._feed(ViewChange(view.gen, frozenset(view.member_ids), quorate))
        self._out(sends)
        self._deliver(delivered)

    def on_quorum(self, quorate: bool) -> None:
        if quorate != self.quorate and self.generation >= 0:
            self.quorate = quorate
            self._feed(ViewChange(self.generation, frozenset(self.members), quorate))

    def on_event(self, kind: str, fields: Mapping[str, Any]) -> None:
        """Another service's event: fenced's ``fenced`` (ours, or a peer's that our fenced heard) is the
        "fenced since its failure" fact, for the failures of the life it cut (cluster.rm.lives)."""
        if kind != "fenced":
            return
        victim = next((n for n, name in self.names.items() if name == fields.get("victim")), None)
        if victim is None:
            return
        life = fields.get("incarnation")
        covered = self.lives.covered(victim, life if isinstance(life, int) else None, self.generation)
        if covered < self.generation:
            self._log.info(f"fence of {fields.get('victim')} covers its failures up to view {covered} only")
        self._feed(NodeFenced(victim, covered))

    def on_message(self, sender: int, payload: Payload) -> None:
        kind = payload.get("t")
        if kind in ("sub", "seq", "gap", "hw"):
            sends, delivered = self.channel.receive(sender, payload)
            self._out(sends)
            self._deliver(delivered)
        elif payload.get("to") != self._ctx.nodeid:
            return
        elif kind == "send":
            self._feed(message_from_json(dict(payload["msg"])))
        elif kind == "reply":
            self._resolve(int(payload["request_id"]), int(payload["code"]), int(payload.get("owner", 0)))

    def on_config(self, conf: ClusterConf) -> None:
        self._log.info("new configuration: resource changes take effect at the next start of the daemon")

    def commands(self) -> Mapping[str, Handler]:
        return {"rm_status": self._cmd_status, "rm_request": self._cmd_request}

    async def before_leave(self) -> None:
        """A clean leave stops this node's services first, so that nobody takes them over while they run."""
        local = [n for n, r in self.core.records.items() if r.owner == self._ctx.nodeid and r.held]
        for name in local:
            code = await self._stop_before_leave(name)
            self._log.info(f"stopping {name} before leaving: {rg_strerror(code)}")

    async def _stop_before_leave(self, name: str) -> int:
        """The stop request's answer; or success once the service stopped here while quorum is gone (every
        node leaving at once: the emergency stop of a dissolved quorum did it, and no answer will come)."""
        task = asyncio.ensure_future(self.request(UserOp.STOP, name))
        while not task.done():
            if not self.quorate and name not in self.core.local:
                task.cancel()
                return int(RgError.SUCCESS)
            await asyncio.wait({task}, timeout=LEAVE_POLL)
        return task.result()[0]

    async def close(self) -> None:
        self._closed = True
        for timer in self._timers:
            timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        for future in self._replies.values():
            if not future.done():
                future.set_result((int(RgError.EFAIL), 0))

    # ---- the core ---------------------------------------------------------------------------------------
    def _feed(self, event: Event) -> None:
        """One core event at a time, in arrival order (effects may feed more: they queue behind)."""
        self._inbox.append(event)
        if self._draining:
            return
        self._draining = True
        try:
            while self._inbox:
                self._effects(self.core.handle(self._inbox.popleft(), self._clock()))
                self._show_changes()
        finally:
            self._draining = False

    def _effects(self, effects: list[Any]) -> None:
        me = self._ctx.nodeid
        for effect in effects:
            if isinstance(effect, RunAgent):
                self._spawn(self._run_agent(effect))
            elif isinstance(effect, Broadcast):
                self._submit({"k": "record", "sender": me, "record": record_to_json(effect.record)})
            elif isinstance(effect, SendState):
                sync = StateSync(
                    effect.generation,
                    me,
                    effect.records,
                    effect.history,
                    effect.failed_at,
                    effect.fenced,
                    effect.locked,
                )
                self._submit({"k": "state", "sender": me, **sync_to_json(sync)})
            elif isinstance(effect, Send):
                if effect.to == me:
                    self._inbox.append(effect.message)
                else:
                    self._ctx.send({"t": "send", "to": effect.to, "msg": message_to_json(effect.message)})
            elif isinstance(effect, Reply):
                if effect.origin == me:
                    self._resolve(effect.request_id, int(effect.code), effect.owner)
                else:
                    self._ctx.send(
                        {
                            "t": "reply",
                            "to": effect.origin,
                            "request_id": effect.request_id,
                            "code": int(effect.code),
                            "owner": effect.owner,
                        }
                    )
            elif isinstance(effect, Log):
                self._log.log(LEVELS.get(effect.level, logging.INFO), effect.text)

    def _submit(self, body: Body) -> None:
        sends, delivered = self.channel.submit(body)
        self._out(sends)
        self._deliver(delivered)

    def _deliver(self, bodies: list[Body]) -> None:
        for body in bodies:
            if body.get("k") == "record":
                self._feed(RecordUpdate(record_from_json(dict(body["record"])), int(body["sender"])))
            elif body.get("k") == "state":
                self._feed(sync_from_json(body, int(body["sender"])))
            elif body.get("k") == "lock":
                self._feed(Lockdown(bool(body["locked"])))

    def _out(self, sends: list[Outgoing]) -> None:
        for out in sends:
            if out.to == self._ctx.nodeid:
                continue
            self._ctx.send(out.payload)  # every node hears it; the channel ignores what is not for it

    def _show_changes(self) -> None:
        for name, r in self.core.records.items():
            now = (int(r.state), r.owner, r.version)
            if self._shown.get(name, (None, None, None))[:2] != now[:2]:
                self._ctx.event(
                    "service",
                    service=name,
                    state=State(r.state).word,
                    owner=self.names.get(r.owner),
                    last_owner=self.names.get(r.last_owner),
                    version=r.version,
                )
            self._shown[name] = now

    # ---- agents and timers ------------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_agent(self, call: RunAgent) -> None:
        inv = invocation(call.node, call.op, call.depth)
        limit = inv.timeout or max(float(call.node.timeout(call.op, call.depth) or 0), UNENFORCED_CAP)
        result = await run_process(inv.path, b"", limit, env=inv.env, argv=[inv.op])
        rc = None if result.timed_out else result.returncode
        level = logging.INFO if rc == 0 else logging.WARNING
        self._log.log(
            level,
            f'{call.op} on {call.node.type} "{call.node.resource.primary}" returned {rc} ({code_text(rc)})',
        )
        if rc not in (0, None) and result.stderr.strip():
            self._log.warning(f"{call.node.type}: {result.stderr.strip().splitlines()[-1]}")
        if not self._closed:
            self._feed(AgentDone(call.call_id, rc))

    def _start_timers(self) -> None:
        if self._timers or self._closed:
            return
        loop = asyncio.get_running_loop()

        def tick() -> None:
            self._feed(Tick())
            self._timers[0] = loop.call_later(TICK, tick)

        def channel_tick() -> None:
            self._out(self.channel.tick())
            self._timers[1] = loop.call_later(CHANNEL_TICK, channel_tick)

        self._timers = [loop.call_later(TICK, tick), loop.call_later(CHANNEL_TICK, channel_tick)]

    # ---- clusvcadm and clustat --------------------------------------------------------------------------
    async def request(
        self, op: UserOp, service: str, target: int | None = None, by_domain: bool = False
    ) -> tuple[int, int]:
        request_id, self._next_request = self._next_request, self._next_request + 1
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._replies[request_id] = future
        self._feed(UserRequest(request_id, op, service, self._ctx.nodeid, target, by_domain))
        try:
            return await asyncio.wait_for(future, REQUEST_TIMEOUT)
        except TimeoutError:
            return int(RgError.EAGAIN), 0
        finally:
            self._replies.pop(request_id, None)

    def _resolve(self, request_id: int, code: int, owner: int) -> None:
        future = self._replies.get(request_id)
        if future is not None and not future.done():
            future.set_result((code, owner))

    async def _cmd_request(self, req: Payload) -> dict[str, Any]:
        if req.get("op") in ("lock", "unlock"):  # clusvcadm -l / -u: to every member, in the records' order
            if not self.quorate:
                raise ControlError("Operation requires quorum")
            self._submit({"k": "lock", "locked": req["op"] == "lock"})
            return {"code": 0, "locked": req["op"] == "lock"}
        if req.get("op") == "query":
            return {"code": 0, "locked": self.core.locked}
        try:
            op = UserOp(str(req["op"]))
        except (KeyError, ValueError):
            raise ControlError(f"unknown resource group operation {req.get('op')!r}") from None
        target = req.get("target")
        target_id = None
        if target is not None:
            target_id = next((n for n, name in self.names.items() if name == target), None)
            if target_id is None:
                raise ControlError(f"'{target}' not in membership list")
        code, owner = await self.request(
            op, str(req.get("service", "")), target_id, bool(req.get("by_domain"))
        )
        return {"code": code, "owner": self.names.get(owner)}

    async def _cmd_status(self, _: Payload) -> dict[str, Any]:
        rows = [
            {
                "name": name,
                "state": int(r.state),
                "owner": self.names.get(r.owner),
                "last_owner": self.names.get(r.last_owner),
                "flags": int(r.flags),
                "restarts": r.restarts,
                "transition": r.transition,
                "version": r.version,
            }
            for name, r in sorted(self.core.records.items())
        ]
        return {
            "services": rows,
            "members": list(self.members),
            "quorate": self.quorate,
            "generation": self.generation,
        }


def rgmanager_service(library: AgentLibrary | None = None) -> ServiceFactory:
    def make(conf: ClusterConf, ctx: ServiceContext) -> RgManagerService:
        return RgManagerService(conf, ctx, library)

    return make
