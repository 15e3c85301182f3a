"""What goes into the fence domain besides membership (agent call results) and what comes out of it.

The domain is pure: it returns these effects and the node daemon's fenced service carries them out (runs
the agent, writes the log line, tells the peers, answers the waiting ``fence_node``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cluster.fenced.attempt import CallSpec
from cluster.fenced.history import FenceRecord


class Outcome(enum.StrEnum):
    """How one agent call ended: the word in fenced's log line and in the fence history."""

    SUCCESS = "success"
    ERROR = "error"  # the agent ran and failed
    TIMEOUT = "timeout"  # the agent was killed at its deadline
    MISSING = "missing"  # no agent to run (not installed, not executable, not configured)


class LogLevel(enum.StrEnum):
    """The level of a line the domain asks the daemon to log."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class CallResult:
    ok: bool
    duration: float
    result: Outcome | None = None  # derived from ok when not given
    detail: str = ""

    def __post_init__(self) -> None:  # a word read back from a peer or a history file becomes the type
        if self.result is not None and not isinstance(self.result, Outcome):
            object.__setattr__(self, "result", Outcome(self.result) if self.result else None)

    @classmethod
    def missing(cls, detail: str) -> CallResult:
        """No agent to run: nothing was called."""
        return cls(False, 0.0, Outcome.MISSING, detail)

    @property
    def outcome(self) -> Outcome:
        return self.result or (Outcome.SUCCESS if self.ok else Outcome.ERROR)


@dataclass(frozen=True)
class RunAgent:
    call_id: int
    call: CallSpec
    timeout: float
    unfence: bool = False


@dataclass(frozen=True)
class Log:
    level: LogLevel
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
    said = Outcome.SUCCESS if result.ok else f"{result.outcome} from agent"
    if call.missing:
        said = f"error: {call.missing}"
    text = f"fence {call.victim} dev {call.label} agent {call.agent} result: {said}"
    return Log(LogLevel.INFO if result.ok else LogLevel.ERROR, text)
