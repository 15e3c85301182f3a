"""fenced inside the node daemon: the pure FenceDomain driven by asyncio (agents, timers, waiters).

The first :class:`~cluster.daemon.service.ClusterService`: it sees the node only through its context.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cluster.config.model import ClusterConf
from cluster.daemon.control import ControlError, Handler
from cluster.daemon.fence_agent import AgentOutcome, run_agent
from cluster.daemon.service import Payload, ServiceContext, ServiceFactory
from cluster.fenced.attempt import CallSpec
from cluster.fenced.domain import FenceDomain
from cluster.fenced.effects import (
    Announce,
    CallResult,
    Effect,
    JobDone,
    Log,
    LogLevel,
    Outcome,
    RunAgent,
    Share,
)
from cluster.fenced.from_config import plan_from_config
from cluster.fenced.history import FenceRecord
from cluster.fenced.plan import redact_pairs
from cluster.membership.view import ViewChange

LEVELS = {
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.INFO: logging.INFO,
    LogLevel.WARNING: logging.WARNING,
    LogLevel.ERROR: logging.ERROR,
}


def _call_fields(call: CallSpec) -> dict[str, str]:
    """What the event stream says about one agent call (docs/events.md)."""
    return {"victim": call.victim, "agent": call.agent, "method": call.method, "device": call.device}


class FencedService:
    """Owns the fence domain of one node. All methods run on the event loop thread."""

    name = "fenced"

    def __init__(
        self,
        conf: ClusterConf,
        ctx: ServiceContext,
        agent_search: Sequence[str] = (),
        agent_timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._agent_timeout = agent_timeout
        self.domain = FenceDomain(plan_from_config(conf, agent_timeout=agent_timeout), ctx.nodeid)
        self._ctx = ctx
        self._log = ctx.log
        self._search = tuple(agent_search)
        self._clock = clock
        self._changed = asyncio.Condition()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._jobs: dict[int, asyncio.Future[JobDone]] = {}
        self._unfenced = False

    # ---- the service protocol -----------------------------------------------------------------------
    def on_view(self, view: ViewChange, quorate: bool) -> None:
        self._apply(self.domain.on_membership(view, quorate, self._clock()))
        if not self._unfenced:  # unfencing at join: once, when we first are a member
            self._unfenced = True
            self._apply(self.domain.unfence_self(self._clock()))

    def on_quorum(self, quorate: bool) -> None:
        self._apply(self.domain.on_quorum(quorate, self._clock()))

    def on_message(self, sender: int, payload: Payload) -> None:
        record = FenceRecord.from_json(payload["record"])
        if payload.get("kind") == "fenced":
            self._apply(self.domain.on_peer_fenced(int(payload["nodeid"]), record, self._clock()))
            # the resource manager here may be the one deciding takeovers (fence_ack_manual ran elsewhere)
            self._ctx.tell("fenced", victim=record.victim, by=record.by, result=record.result,
                           incarnation=record.incarnation)  # fmt: skip
        elif payload.get("kind") == "record":
            self.domain.on_peer_record(record)

    def on_config(self, conf: ClusterConf) -> None:
        self.domain.plan = plan_from_config(conf, agent_timeout=self._agent_timeout)

    def commands(self) -> Mapping[str, Handler]:
        return {
            "fence_ls": self._fence_ls,
            "fence_history": self._fence_history,
            "fence_ack": self._fence_ack,
            "fence_node": self._fence_node,
            "wait_fenced": self._wait_fenced,
        }

    async def close(self) -> None:
        if self._timer:
            self._timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for future in self._jobs.values():
            future.cancel()

    # ---- control commands ---------------------------------------------------------------------------
    async def _fence_ls(self, _: Payload) -> dict[str, Any]:
        d = self.domain
        nodes = [
            {
                "id": n.nodeid,
                "name": n.name,
                "member": d.is_member(n.nodeid),
                "victim": d.needs_fencing(n.nodeid),
                "last_failure": d.last_failure(n.nodeid),
                "last_fenced": d.last_fenced(n.nodeid),
            }
            for n in d.plan.nodes
        ]
        return {"domain": d.status().__dict__, "nodes": nodes}

    async def _fence_history(self, req: Payload) -> dict[str, Any]:
        history = self.domain.history
        name = req.get("node")
        records = history.for_node(name) if name else history.all()
        return {"history": [r.to_json() for r in records]}

    def _known(self, req: Payload) -> str:
        name = str(req["node"])
        if self.domain.plan.node_by_name(name) is None:
            raise ControlError(f"node {name} is not in the configuration")
        return name

    async def _fence_ack(self, req: Payload) -> dict[str, Any]:
        name = self._known(req)
        ok, effects = self.domain.on_ack_manual(name, self._clock())
        self._apply(effects)
        if not ok:
            raise ControlError(f"node {name} is not waiting to be fenced")
        return {}

    async def _fence_node(self, req: Payload) -> dict[str, Any]:
        """``fence_node [-U] NAME``: one pass over its methods (or unfence devices), no retries."""
        name = self._known(req)
        future: asyncio.Future[JobDone] = asyncio.get_running_loop().create_future()
        job_id, effects = self.domain.on_fence_node(name, bool(req.get("unfence")), self._clock())
        self._jobs[job_id] = future
        self._apply(effects)
        done = await future
        return {"fenced": done.ok, "reason": done.reason, "records": [r.to_json() for r in done.records]}

    async def _wait_fenced(self, req: Payload) -> dict[str, Any]:
        """Wait until the node needs no fencing (fenced, overridden, or rejoined cleanly)."""
        node = self.domain.plan.node_by_name(self._known(req))
        assert node is not None
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.domain.fenced_since_failure(node.nodeid)),
                    float(req.get("seconds", 30)),
                )
            except TimeoutError:
                return {"fenced": False}
        return {"fenced": True}

    # ---- effects ------------------------------------------------------------------------------------
    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Log):
                self._log.log(LEVELS.get(effect.level, logging.INFO), effect.text)
            elif isinstance(effect, RunAgent):
                self._start(effect)
            elif isinstance(effect, Announce):
                self._ctx.send({"kind": "fenced", "nodeid": effect.nodeid, "record": effect.record.to_json()})
                record = effect.record
                self._ctx.event("fenced", victim=record.victim, by=record.by, method=record.method,
                                device=record.device, result=record.result,
                                incarnation=record.incarnation)  # fmt: skip
            elif isinstance(effect, Share):
                self._ctx.send({"kind": "record", "record": effect.record.to_json()})
            elif isinstance(effect, JobDone):
                future = self._jobs.pop(effect.job_id, None)
                if future is not None and not future.done():
                    future.set_result(effect)
        self._rearm()
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _rearm(self) -> None:
        if self._timer:
            self._timer.cancel()
            self._timer = None
        deadline = self.domain.next_deadline()
        if deadline is not None:
            delay = max(0.0, deadline - self._clock())
            self._timer = asyncio.get_running_loop().call_later(delay, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self._apply(self.domain.on_tick(self._clock()))

    def _start(self, run: RunAgent) -> None:
        call = run.call
        what = "unfence" if run.unfence else "fence"
        self._log.info(f"{what} {call.victim}: running {call.agent}, stdin: {redact_pairs(call.stdin)}")
        self._ctx.event("fence_call", **_call_fields(call), action=what)
        task = asyncio.get_running_loop().create_task(self._run(run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, run: RunAgent) -> None:
        call = run.call
        outcome: AgentOutcome = await run_agent(call.agent, call.stdin, run.timeout, self._search)
        self._log_output(call.agent, outcome)
        result = CallResult(outcome.ok, round(outcome.duration, 3), outcome.result, outcome.detail)
        outcome_fields = {"result": result.outcome, "duration": result.duration, "detail": result.detail}
        self._ctx.event("fence_result", **_call_fields(call), **outcome_fields)
        self._apply(self.domain.on_call_result(run.call_id, result, self._clock()))

    def _log_output(self, agent: str, outcome: AgentOutcome) -> None:
        for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
            for line in text.splitlines():
                self._log.info(f"agent {agent} {stream}: {line}")
        if outcome.result is not Outcome.SUCCESS:
            self._log.info(f"agent {agent}: {outcome.detail}")


def fenced_service(agent_search: Sequence[str] = (), agent_timeout: float = 60.0) -> ServiceFactory:
    """The node daemon's factory for fenced, with the daemon's agent options."""

    def make(conf: ClusterConf, ctx: ServiceContext) -> FencedService:
        return FencedService(conf, ctx, agent_search, agent_timeout)

    return make
