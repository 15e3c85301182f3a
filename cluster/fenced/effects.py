"""What goes into the fence domain besides membership (agent call results) and what comes out of it.

The domain is pure: it returns these effects and the node daemon's fenced service carries them out (runs
the agent, writes the log line, tells the peers, answers the waiting ``fence_node``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster.fenced.attempt import CallSpec
from cluster.fenced.history import FenceRecord


@dataclass(frozen=True)
class CallResult:
    ok: bool
    duration: float
    result: str = ""  # success | error | timeout | missing; derived from ok when empty
    detail: str = ""

    @property
    def outcome(self) -> str:
        return self.result or ("success" if self.ok else "error")


@dataclass(frozen=True)
class RunAgent:
    call_id: int
    call: CallSpec
    timeout: float
    unfence: bool = False


@dataclass(frozen=True)
class Log:
    level: str  # "info", "warning", "error", "debug"
    text: str


@dataclass(frozen=True)
class Announce:
    """Tell the other domain members that ``record.victim`` is fenced (they drop it too, and record it)."""

    nodeid: int
    record: FenceRecord


@dataclass(frozen=True)
class Share:
    """Tell the other domain members a history record that fences nothing (a failed call, a skip)."""

    record: FenceRecord


@dataclass(frozen=True)
class JobDone:
    """A ``fence_node`` (or unfencing at join) finished: ``reason`` says why when it failed."""

    job_id: int
    ok: bool
    records: tuple[FenceRecord, ...]
    reason: str = ""


Effect = RunAgent | Log | Announce | Share | JobDone


def call_log(call: CallSpec, result: CallResult) -> Log:
    """fenced's line for one agent call of a victim's fencing."""
    said = "success" if result.ok else f"{result.outcome} from agent"
    if call.missing:
        said = f"error: {call.missing}"
    text = f"fence {call.victim} dev {call.label} agent {call.agent} result: {said}"
    return Log("info" if result.ok else "error", text)
