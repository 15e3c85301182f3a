"""Run a fence agent exactly as fenced does: no arguments, ``key=value`` lines on stdin, exit 0 = success.

Unlike fenced we keep the agent's stdout/stderr (secrets redacted) and give every call a deadline; the
process handling (group kill, die with the daemon, output cap) is :mod:`cluster.procrun`'s.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cluster.fenced.effects import Outcome
from cluster.fenced.plan import Attrs, secret_values, stdin_text
from cluster.procrun import find_executable, run_process

STOCK_DIRS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")


@dataclass(frozen=True)
class AgentOutcome:
    ok: bool
    result: Outcome
    returncode: int | None
    duration: float
    stdout: str
    stderr: str
    detail: str


def agent_search_path(extra: Sequence[str] = ()) -> list[str]:
    """Where agent names are looked up: extra dirs, $FENCELAB_AGENT_PATH, our venv's bin, sbin, $PATH."""
    dirs = list(extra)
    dirs += [d for d in os.environ.get("FENCELAB_AGENT_PATH", "").split(os.pathsep) if d]
    dirs.append(str(Path(sys.executable).parent))
    dirs += STOCK_DIRS
    dirs += [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    return dirs


def resolve_agent(agent: str, search: Sequence[str]) -> str | None:
    return find_executable(agent, search)


async def run_agent(agent: str, pairs: Attrs, timeout: float, search: Sequence[str] = ()) -> AgentOutcome:
    """Run one agent call to completion or to its deadline."""
    path = resolve_agent(agent, list(search) or agent_search_path())
    if path is None:
        return AgentOutcome(False, Outcome.MISSING, None, 0.0, "", "", f"agent {agent} not found")
    done = await run_process(path, stdin_text(pairs).encode(), timeout, secret_values(pairs))
    if done.error:
        return AgentOutcome(False, Outcome.MISSING, None, 0.0, "", "", done.error)
    if done.timed_out:
        detail = f"killed after {timeout:g}s"
        return AgentOutcome(False, Outcome.TIMEOUT, None, done.duration, done.stdout, done.stderr, detail)
    detail = f"exit {done.returncode}"
    result = Outcome.SUCCESS if done.ok else Outcome.ERROR
    return AgentOutcome(done.ok, result, done.returncode, done.duration, done.stdout, done.stderr, detail)
