"""The owner's side of the core: running a service's resource tree here, status checks, recovery.

A job is a list of agent calls executed one at a time (the I/O layer reports each exit with AgentDone).
Start aborts at the first failure; stop goes on through failures. Recovery policy (rgmanager.md §3) is
decided here, because the restart counter lives only in the owner's memory, as in rgmanager.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .conf_model import Independence, Recovery, TreeNode
from .core_base import CoreBase
from .events import RunAgent
from .ocf import code_text, op_succeeded
from .state import Flag, State
from .tree import Step, recovery_subtree, reset_status_clock, start_plan, status_steps, stop_plan


@dataclass
class Job:
    service: str
    kind: str  # start | stop | status | subtree
    steps: list[Step]
    done: Callable[[Job], None]
    index: int = 0
    failed: TreeNode | None = None  # the first resource whose call failed
    call_id: int = 0
    abort: bool = False  # quorum lost: stop everything after the call in flight


@dataclass
class Local:
    """What this node runs of one service (from the start's first call until a clean stop)."""

    job: Job | None = None
    last_poll: float = 0.0
    status_clock: dict[tuple[str, int], float] = field(default_factory=dict)
    failures: dict[str, list[float]] = field(default_factory=dict)  # ident -> status failure times
    ever_started: set[str] = field(default_factory=set)
    subtree_restarts: dict[str, list[float]] = field(default_factory=dict)  # ident -> inline restart times
    stop_failed: bool = False


class OwnerPart(CoreBase):
    def _owner_init(self) -> None:
        self.local: dict[str, Local] = {}
        self.calls: dict[int, str] = {}  # call id -> service
        self.next_call = 0
        self.restart_times: dict[str, list[float]] = {}

    # -- jobs --------------------------------------------------------------------------------------
    def _run(self, name: str, job: Job) -> None:
        self.local.setdefault(name, Local()).job = job
        self._next_step(name, job)

    def _next_step(self, name: str, job: Job) -> None:
        if job.abort and job.kind != "stop":
            job.steps, job.index = job.steps[: job.index], len(job.steps)  # fall through to done()
        if job.index >= len(job.steps):
            local = self.local.get(name)
            if local is not None:
                local.job = None
            job.done(job)
            return
        step = job.steps[job.index]
        self.next_call += 1
        job.call_id = self.next_call
        self.calls[job.call_id] = name
        node = step.node
        timeout = node.timeout(step.op, step.depth)
        enforced = timeout if node.enforce_timeouts else None  # rgmanager enforces nothing by default
        self.out.append(RunAgent(job.call_id, name, node, step.op, step.depth, enforced, timeout))

    def agent_done(self, call_id: int, rc: int | None) -> None:
        name = self.calls.pop(call_id, None)
        local = self.local.get(name) if name else None
        if name is None or local is None or local.job is None or local.job.call_id != call_id:
            return  # a call of a job that no longer exists
        job = local.job
        step = job.steps[job.index]
        ok = op_succeeded(step.op, rc, step.node.ident in local.ever_started)
        if step.op == "start":
            local.ever_started.add(step.node.ident)
        if not ok:
            what = f'{step.op} on {step.node.type} "{step.node.resource.primary}"'
            self.log("warning", f"{what} returned {rc} ({code_text(rc)})")
            if job.failed is None:
                job.failed = step.node
            if job.kind != "stop":
                job.index = len(job.steps)  # start and status stop at the first failure
                self._next_step(name, job)
                return
        job.index += 1
        self._next_step(name, job)

    # -- start ---------------------------------------------------------------------------------------
    def request_start(self, name: str) -> bool:
        """Propose ``starting`` here; the tree starts when the proposal comes back applied."""
        refusal = self.start_refusal(name, self.nodeid)
        if refusal is None and name in self.proposals:
            refusal = "a start is already proposed"
        local = self.local.get(name)
        if refusal is None and local is not None and local.job is not None:
            refusal = "a job is running"
        if refusal is not None:
            self.log("notice", f"Not starting {name}: {refusal}")
            return False
        record = self.records[name]
        restarts = record.restarts + 1 if record.state in (State.RECOVERING, State.RECOVERABLE) else 0
        self.proposals[name] = self.propose(
            name,
            owner=self.nodeid,
            state=State.STARTING,
            restarts=restarts,
            flags=record.flags & ~Flag.PARTIAL,
        )
        return True

    def proposal_applied(self, name: str) -> None:
        """Our own proposal came back: if it is the one that won, run the start."""
        proposal = self.proposals.pop(name, None)
        if proposal is None:
            return
        if self.records[name] != proposal:
            self.log("notice", f"Not starting {name}: another proposal won")
            return
        service = self.services[name]
        self.log("notice", f"Starting {name}")
        local = self.local.setdefault(name, Local())
        reset_status_clock(service.root, local.status_clock, self.now)
        local.last_poll = self.now
        self._run(name, Job(name, "start", start_plan(service.root), self._start_done))

    def _start_done(self, job: Job) -> None:
        name = job.service
        if job.abort:
            self._emergency_stop(name)
        elif job.failed is None:
            self.log("notice", f"Service {name} started")
            self.propose(name, state=State.STARTED)
        else:
            self.log("warning", f"#68: Failed to start {name}; return value: 1")
            self._recover(name, start_failed=True)

    # -- stop ------------------------------------------------------------------------------------------
    def stop_local(self, name: str, then: Callable[[str, bool], None]) -> None:
        """Stop the whole tree; ``then(name, ok)`` when every stop ran."""
        service = self.services[name]

        def done(job: Job) -> None:
            ok = job.failed is None
            local = self.local.get(name)
            if local is not None:
                local.stop_failed = not ok
                if ok:
                    del self.local[name]
            then(name, ok)

        self.local.setdefault(name, Local())
        self._run(name, Job(name, "stop", stop_plan(service.root), done))

    def _stopped_to(self, state: State) -> Callable[[str, bool], None]:
        def then(name: str, ok: bool) -> None:
            if not self.quorate:
                return
            if ok or state is State.DISABLED and self.records[name].state is State.FAILED:
                self.propose(name, state=state, owner=0, last_owner=self.nodeid, restarts=0)
            else:
                self._failed(name)

        return then

    def _failed(self, name: str) -> None:
        self.log("error", f"#12: RG {name} failed to stop; intervention required")
        self.propose(name, state=State.FAILED, owner=self.nodeid)

    def _emergency_stop(self, name: str) -> None:
        local = self.local.get(name)
        if local is None:
            return
        if local.job is not None:
            local.job.abort = True
            return
        self.log("warning", f"Emergency stop of {name}")
        self.stop_local(name, self._after_emergency)

    def _after_emergency(self, name: str, ok: bool) -> None:
        """Quorum may be back by now: then we still own the record and say how it ended."""
        if self.quorate and self.records[name].owner == self.nodeid:
            if ok:
                self.propose(name, state=State.STOPPED, owner=0, last_owner=self.nodeid)
            else:
                self._failed(name)

    # -- status ----------------------------------------------------------------------------------------
    def poll_status(self) -> None:
        for name, local in list(self.local.items()):
            record = self.records[name]
            if local.job is not None or record.owner != self.nodeid or record.state is not State.STARTED:
                continue
            if record.frozen or self.now - local.last_poll < self.conf.status_poll_interval:
                continue
            local.last_poll = self.now
            steps = status_steps(self.services[name].root, local.status_clock, self.now)
            if steps:
                self._run(name, Job(name, "status", steps, self._status_done))

    def _status_done(self, job: Job) -> None:
        name = job.service
        if job.abort:
            self._emergency_stop(name)
            return
        failed = job.failed
        if failed is None:
            return
        local = self.local[name]
        if failed.max_failures:
            times = [
                t for t in local.failures.get(failed.ident, []) if self._within(t, failed.failure_expire_time)
            ]
            local.failures[failed.ident] = [*times, self.now]
            if len(times) + 1 <= failed.max_failures:
                self.log(
                    "notice",
                    f"Status failure of {failed.ident} ignored ({len(times) + 1}/{failed.max_failures})",
                )
                return
        self.log("warning", f"status of {failed.ident} failed in {name}")
        subtree = recovery_subtree(self.services[name].root, failed)
        if subtree is None:
            self._recover(name, start_failed=False)
            return
        if subtree.independent is Independence.NON_CRITICAL:
            self.log("notice", f"Stopping non-critical subtree {subtree.ident} of {name}")
            steps = stop_plan(subtree)
            self._run(name, Job(name, "subtree", steps, lambda j: self._partial(name, j)))
            return
        if subtree.max_restarts and subtree.restart_expire_time:  # both needed (rgmanager B)
            window = subtree.restart_expire_time
            times = [t for t in local.subtree_restarts.get(subtree.ident, []) if self._within(t, window)]
            if len(times) >= subtree.max_restarts:
                local.subtree_restarts[subtree.ident] = []
                self.log("warning", f"Restart threshold for {subtree.ident} exceeded; recovering {name}")
                self._recover(name, start_failed=False)
                return
            local.subtree_restarts[subtree.ident] = [*times, self.now]
        self.log("notice", f"Attempting inline recovery of {subtree.ident} in {name}")
        steps = stop_plan(subtree) + start_plan(subtree)
        self._run(name, Job(name, "subtree", steps, lambda j: self._inline_done(name, j)))

    def _within(self, when: float, window: int) -> bool:
        return window <= 0 or self.now - when < window

    def _partial(self, name: str, job: Job) -> None:
        if job.failed is not None:
            self._recover(name, start_failed=False)
        elif self.quorate:
            self.propose(name, flags=self.records[name].flags | Flag.PARTIAL)

    def _inline_done(self, name: str, job: Job) -> None:
        if job.abort:
            self._emergency_stop(name)
        elif job.failed is not None:
            self._recover(name, start_failed=False)
        else:
            self.log("notice", f"Inline recovery of {name} complete")

    # -- recovery --------------------------------------------------------------------------------------
    def _recover(self, name: str, start_failed: bool) -> None:
        """Recovery stop (recoverable), then the service's policy once it is down."""
        if not self.quorate:
            self._emergency_stop(name)
            return
        self.propose(name, state=State.RECOVERABLE)
        self.stop_local(name, lambda n, ok: self._after_recovery_stop(n, ok, start_failed))

    def _after_recovery_stop(self, name: str, ok: bool, start_failed: bool) -> None:
        if not self.quorate:
            return
        if not ok:
            self._failed(name)
            return
        service = self.services[name]
        policy = service.recovery
        if start_failed or policy is Recovery.RELOCATE:
            self._relocate_away(name)
        elif policy is Recovery.DISABLE:
            self.propose(name, state=State.DISABLED, owner=0, last_owner=self.nodeid)
        elif self._restart_allowed(name):
            self.request_start(name)  # in place: starting straight from recoverable, restarts + 1
        elif policy is Recovery.RESTART_DISABLE:
            self.log("warning", f"Restart threshold for {name} exceeded; disabling")
            self.propose(name, state=State.DISABLED, owner=0, last_owner=self.nodeid)
        else:
            self.log("warning", f"Restart threshold for {name} exceeded; attempting to relocate")
            self._relocate_away(name)

    def _relocate_away(self, name: str) -> None:
        self.propose(name, state=State.RECOVERING, owner=0, last_owner=self.nodeid)

    def _restart_allowed(self, name: str) -> bool:
        """max_restarts 0: unlimited local restarts; else N restarts per restart_expire_time window."""
        service = self.services[name]
        if service.max_restarts <= 0:
            return True
        times = [t for t in self.restart_times.get(name, []) if self._within(t, service.restart_expire_time)]
        if len(times) >= service.max_restarts:
            self.restart_times[name] = []
            return False
        self.restart_times[name] = [*times, self.now]
        return True
