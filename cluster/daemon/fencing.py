"""fenced inside the node daemon: the pure FenceDomain driven by asyncio (agents, timers, waiters)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from cluster.fenced.agent_call import AgentOutcome, run_agent
from cluster.fenced.attempt import Attempt
from cluster.fenced.domain import (
    Announce,
    CallResult,
    Effect,
    FenceDomain,
    Log,
    MembershipView,
    RunAgent,
)
from cluster.fenced.history import FenceRecord
from cluster.fenced.plan import FencePlan, redact_pairs

LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class FencedService:
    """Owns the fence domain of one node. All methods run on the event loop thread."""

    def __init__(
        self,
        plan: FencePlan,
        our_nodeid: int,
        announce: Callable[[int, FenceRecord], None],
        logger: logging.Logger,
        agent_search: Sequence[str] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.domain = FenceDomain(plan, our_nodeid)
        self._announce = announce
        self._log = logger
        self._search = tuple(agent_search)
        self._clock = clock
        self._changed = asyncio.Condition()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.agent_starts: list[tuple[float, str]] = []  # (time, victim): for benchmarks and tests

    # ---- inputs from the node -----------------------------------------------------------------------
    def membership(self, view: MembershipView) -> None:
        self._apply(self.domain.on_membership(view, self._clock()))

    def unfence_self(self) -> None:
        self._apply(self.domain.unfence_self(self._clock()))

    def peer_fenced(self, nodeid: int, record: FenceRecord) -> None:
        self._apply(self.domain.on_peer_fenced(nodeid, record, self._clock()))

    def ack_manual(self, name: str) -> bool:
        ok, effects = self.domain.on_ack_manual(name, self._clock())
        self._apply(effects)
        return ok

    async def wait_fenced(self, nodeid: int, timeout: float) -> bool:
        """Wait until ``nodeid`` needs no fencing (fenced, overridden, or rejoined cleanly)."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.domain.fenced_since_failure(nodeid)), timeout
                )
            except TimeoutError:
                return False
        return True

    async def fence_once(self, name: str, unfence: bool = False) -> tuple[bool, list[FenceRecord]]:
        """``fence_node [-U] NAME``: one pass over its methods (or unfence devices), no retries."""
        node = self.domain.plan.node_by_name(name)
        if node is None:
            raise KeyError(name)
        attempt = Attempt(self.domain.plan, node, unfence=unfence)
        life = self.domain.incarnation_of(node.nodeid)  # what a success covers (not a later restart)
        records: list[FenceRecord] = []
        method_label = "unfence" if unfence else ""
        while (call := attempt.next_call()) is not None:
            self._log.info(
                f"fence_node: {'unfence' if unfence else 'fence'} {name} dev {call.label} agent {call.agent}"
            )
            if call.missing:
                outcome = AgentOutcome(False, "missing", None, 0.0, "", "", call.missing)
            else:
                self.agent_starts.append((self._clock(), name))
                outcome = await run_agent(
                    call.agent, call.stdin, self.domain.plan.settings.agent_timeout, self._search
                )
                self._log_output(call.agent, outcome)
            method = method_label or call.method
            duration = round(outcome.duration, 3)
            record = FenceRecord(
                self._clock(),
                name,
                method,
                call.device,
                outcome.result,
                duration,
                outcome.detail,
                "fence_node",
                life,
            )
            self.domain.history.add(record)
            records.append(record)
            attempt.record(outcome.ok)
        ok = attempt.outcome is True
        what = "unfence" if unfence else "fence"
        self._log.info(f"fence_node: {what} {name} {'success' if ok else 'failed'}")
        if ok and not unfence:
            self._apply(self.domain.on_external_fenced(node.nodeid, records[-1], self._clock()))
        return ok, records

    async def close(self) -> None:
        if self._timer:
            self._timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ---- effects ------------------------------------------------------------------------------------
    def _apply(self, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, Log):
                self._log.log(LEVELS.get(effect.level, logging.INFO), effect.text)
            elif isinstance(effect, RunAgent):
                self._start(effect)
            elif isinstance(effect, Announce):
                self._announce(effect.nodeid, effect.record)
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
        self.agent_starts.append((self._clock(), call.victim))
        task = asyncio.get_running_loop().create_task(self._run(run))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, run: RunAgent) -> None:
        outcome: AgentOutcome = await run_agent(run.call.agent, run.call.stdin, run.timeout, self._search)
        self._log_output(run.call.agent, outcome)
        result = CallResult(outcome.ok, round(outcome.duration, 3), outcome.result, outcome.detail)
        self._apply(self.domain.on_call_result(run.call_id, result, self._clock()))

    def _log_output(self, agent: str, outcome: AgentOutcome) -> None:
        for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
            for line in text.splitlines():
                self._log.info(f"agent {agent} {stream}: {line}")
        if outcome.result != "success":
            self._log.info(f"agent {agent}: {outcome.detail}")
