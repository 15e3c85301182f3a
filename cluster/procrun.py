"""Run a helper program (a fence agent, later a resource agent) as the cluster daemons must.

One call: stdin written and closed, a deadline after which the program's whole process group is killed,
the child dies with the daemon (PR_SET_PDEATHSIG: a node whose power is cut must not go on fencing its
peer), stdout and stderr captured up to a cap, and the caller's secrets replaced by ``***`` in them.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

OUTPUT_LIMIT = 64 * 1024
PR_SET_PDEATHSIG = 1
DRAIN_WAIT = 1.0  # a grandchild outside the group may hold the pipes: reading has a deadline too


@dataclass(frozen=True)
class ProcessResult:
    returncode: int | None  # None when it was killed at the deadline or could not start
    timed_out: bool
    duration: float
    stdout: str
    stderr: str
    error: str = ""  # why it could not start

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def find_executable(name: str, search: Sequence[str]) -> str | None:
    """``name`` itself when it holds a slash, else the first executable file of that name in ``search``."""
    if "/" in name:
        return name if os.access(name, os.X_OK) and Path(name).is_file() else None
    for directory in search:
        candidate = Path(directory) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def redact(text: str, secrets: Sequence[str]) -> str:
    """Every occurrence of a secret replaced by ``***`` (longest first, so no fragment of one survives)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _die_with_parent() -> None:
    # Runs in the child between fork and exec.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def _read_capped(stream: asyncio.StreamReader) -> bytes:
    """Everything up to EOF, keeping at most OUTPUT_LIMIT bytes (the rest is drained and dropped)."""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < OUTPUT_LIMIT:
            kept += chunk[: OUTPUT_LIMIT - len(kept)]
    return bytes(kept)


async def run_process(
    path: str,
    stdin: bytes,
    timeout: float,
    secrets: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    argv: Sequence[str] = (),
) -> ProcessResult:
    """Run ``path argv...`` to completion or to its deadline."""
    started = time.monotonic()
    environment = dict(os.environ if env is None else env)
    environment.update(LANG="C", LC_ALL="C")
    try:
        proc = await asyncio.create_subprocess_exec(
            path,
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env=environment,
        )
    except OSError as err:
        return ProcessResult(None, False, 0.0, "", "", f"cannot run {path}: {err.strerror}")
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    readers = [asyncio.ensure_future(_read_capped(stream)) for stream in (proc.stdout, proc.stderr)]
    try:
        proc.stdin.write(stdin)
        await proc.stdin.drain()
        proc.stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # a program that exits without reading stdin: its exit status still decides
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        timed_out = True
    finally:
        if proc.returncode is None or timed_out:
            _kill_group(proc.pid)
        await proc.wait()
    done, pending = await asyncio.wait(readers, timeout=DRAIN_WAIT)
    for task in pending:
        task.cancel()
    out_bytes, err_bytes = (r.result() if r in done and not r.exception() else b"" for r in readers)
    stdout = redact(out_bytes.decode(errors="replace"), secrets)
    stderr = redact(err_bytes.decode(errors="replace"), secrets)
    returncode = None if timed_out else proc.returncode
    return ProcessResult(returncode, timed_out, time.monotonic() - started, stdout, stderr)
