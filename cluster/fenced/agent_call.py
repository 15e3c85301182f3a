"""Run a fence agent exactly as fenced does: no arguments, ``key=value`` lines on stdin, exit 0 = success.

Unlike fenced we keep the agent's stdout/stderr (secrets redacted) and give every call a deadline: on timeout
the agent's whole process group is killed. Agents also die with the daemon (PR_SET_PDEATHSIG), because a node
whose power is cut cannot go on fencing its peer.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cluster.fenced.plan import Attrs, redact_text, secret_values, stdin_text

STOCK_DIRS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")
OUTPUT_LIMIT = 64 * 1024


@dataclass(frozen=True)
class AgentOutcome:
    ok: bool
    result: str  # success | error | timeout | missing
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
    if "/" in agent:
        return agent if os.access(agent, os.X_OK) and Path(agent).is_file() else None
    for directory in search:
        candidate = Path(directory) / agent
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _die_with_parent() -> None:
    # Runs in the child between fork and exec. PR_SET_PDEATHSIG = 1.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _read_all(stream: asyncio.StreamReader) -> bytes:
    """Everything up to EOF, keeping at most OUTPUT_LIMIT bytes (the rest is drained and dropped)."""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < OUTPUT_LIMIT:
            kept += chunk[: OUTPUT_LIMIT - len(kept)]
    return bytes(kept)


async def run_agent(agent: str, pairs: Attrs, timeout: float, search: Sequence[str] = ()) -> AgentOutcome:
    """Run one agent call to completion or to its deadline."""
    started = time.monotonic()
    path = resolve_agent(agent, list(search) or agent_search_path())
    if path is None:
        return AgentOutcome(False, "missing", None, 0.0, "", "", f"agent {agent} not found")
    secrets = secret_values(pairs)
    env = {**os.environ, "LANG": "C", "LC_ALL": "C"}
    try:
        proc = await asyncio.create_subprocess_exec(
            path,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env=env,
        )
    except OSError as err:
        return AgentOutcome(False, "missing", None, 0.0, "", "", f"cannot run {path}: {err.strerror}")
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    readers = [asyncio.ensure_future(_read_all(stream)) for stream in (proc.stdout, proc.stderr)]
    try:
        proc.stdin.write(stdin_text(pairs).encode())
        await proc.stdin.drain()
        proc.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # an agent that exits without reading stdin: its exit status still decides
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        timed_out = True
    finally:
        if proc.returncode is None or timed_out:
            _kill_group(proc.pid)
        await proc.wait()
    # The group is gone; a grandchild outside it could still hold the pipes, so reading has a deadline too.
    done, pending = await asyncio.wait(readers, timeout=1.0)
    for task in pending:
        task.cancel()
    out_bytes, err_bytes = (r.result() if r in done and not r.exception() else b"" for r in readers)
    duration = time.monotonic() - started
    stdout = redact_text(out_bytes.decode(errors="replace"), secrets)
    stderr = redact_text(err_bytes.decode(errors="replace"), secrets)
    if timed_out:
        return AgentOutcome(False, "timeout", None, duration, stdout, stderr, f"killed after {timeout:g}s")
    rc = proc.returncode
    ok = rc == 0
    detail = "exit 0" if ok else f"exit {rc}"
    return AgentOutcome(ok, "success" if ok else "error", rc, duration, stdout, stderr, detail)
