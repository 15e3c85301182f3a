"""``fence_node [-U] NODE`` and unfencing at join: one pass over a node's methods (or ``<unfence>`` devices),
no delay, no retry, one agent at a time. Pure: the domain feeds it results and it says what to run next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cluster.fenced.attempt import Attempt, CallSpec
from cluster.fenced.effects import CallResult, Effect, JobDone, Log, LogLevel, RunAgent, Share
from cluster.fenced.history import FenceRecord, History
from cluster.fenced.plan import FencePlan, NodeFencing


class JobHost(Protocol):
    """What a job needs from the fence domain."""

    plan: FencePlan
    history: History

    def new_id(self) -> int: ...

    def incarnation_of(self, nodeid: int) -> int | None: ...

    def on_external_fenced(self, nodeid: int, record: FenceRecord, now: float) -> list[Effect]: ...


@dataclass
class Job:
    job_id: int
    node: NodeFencing
    attempt: Attempt
    unfence: bool
    by: str  # "fence_node", or our node's name for unfencing at join
    life: int | None  # the node's life when the job began: what a success covers
    records: list[FenceRecord] = field(default_factory=list)
    call: CallSpec | None = None

    @property
    def what(self) -> str:
        return "unfence" if self.unfence else "fence"

    @property
    def manual(self) -> bool:
        return self.by == "fence_node"

    def record(self, call: CallSpec, result: CallResult, now: float) -> FenceRecord:
        method = "unfence" if self.unfence else call.method
        outcome, secs = result.outcome, result.duration
        record = FenceRecord(
            now, self.node.name, method, call.device, outcome, secs, result.detail, self.by, self.life
        )
        self.records.append(record)
        self.attempt.record(result.ok)
        return record

    def reason(self) -> str:
        """Why a failed job failed, in one line for ``fence_node``."""
        if not self.records:
            if self.unfence:
                return f"{self.node.name} has no <unfence> devices in cluster.conf"
            return f"{self.node.name} has no fence method with devices in cluster.conf"
        last = self.records[-1]
        detail = f" ({last.detail})" if last.detail else ""
        return f"device {last.device}: {last.result}{detail}"


class JobRunner:
    def __init__(self, host: JobHost) -> None:
        self._host = host
        self._by_call: dict[int, Job] = {}

    def owns(self, call_id: int) -> bool:
        return call_id in self._by_call

    def start(self, node: NodeFencing, unfence: bool, by: str, now: float) -> tuple[int, list[Effect]]:
        host = self._host
        attempt = Attempt(host.plan, node, unfence=unfence)
        job = Job(host.new_id(), node, attempt, unfence, by, host.incarnation_of(node.nodeid))
        return job.job_id, self._next(job, now)

    def on_call_result(self, call_id: int, result: CallResult, now: float) -> list[Effect]:
        job = self._by_call.pop(call_id)
        assert job.call is not None
        call, job.call = job.call, None
        return self._recorded(job, call, result, now) + self._next(job, now)

    def _next(self, job: Job, now: float) -> list[Effect]:
        effects: list[Effect] = []
        while (call := job.attempt.next_call()) is not None:
            if job.manual:
                said = f"{job.what} {job.node.name} dev {call.label} agent {call.agent}"
                effects.append(Log(LogLevel.INFO, f"fence_node: {said}"))
            if not call.missing:
                call_id = self._host.new_id()
                self._by_call[call_id] = job
                job.call = call
                timeout = self._host.plan.settings.agent_timeout
                return effects + [RunAgent(call_id, call, timeout, unfence=job.unfence)]
            effects += self._recorded(job, call, CallResult.missing(call.missing), now)
        return effects + self._done(job, now)

    def _recorded(self, job: Job, call: CallSpec, result: CallResult, now: float) -> list[Effect]:
        record = job.record(call, result, now)
        self._host.history.add(record)
        effects: list[Effect] = []
        if job.unfence:
            said = f"error: {call.missing}" if call.missing else result.outcome
            text = f"unfence {call.victim} dev {call.device} agent {call.agent} result: {said}"
            effects.append(Log(LogLevel.INFO if result.ok else LogLevel.ERROR, text))
        if job.attempt.outcome is not True or job.unfence:  # a fencing success is announced when done
            effects.append(Share(record))
        return effects

    def _done(self, job: Job, now: float) -> list[Effect]:
        ok = job.attempt.outcome is True
        effects: list[Effect] = []
        if job.manual:
            effects.append(
                Log(LogLevel.INFO, f"fence_node: {job.what} {job.node.name} {'success' if ok else 'failed'}")
            )
        if ok and not job.unfence:
            effects += self._host.on_external_fenced(job.node.nodeid, job.records[-1], now)
        return effects + [JobDone(job.job_id, ok, tuple(job.records), "" if ok else job.reason())]
