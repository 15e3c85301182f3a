"""Run one resource agent operation as a process (thin I/O layer; synchronous, for tools like rg_test).

The agent runs in its own process group with the clean OCF environment; at the deadline the whole group
is killed. Output is capped. The node daemon's async layer runs agents through its own process helper.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

OUTPUT_LIMIT = 64 * 1024
DEFAULT_TIMEOUT = 60.0  # when neither metadata nor the caller gives one (rgmanager's "0 = none" is too open)


@dataclass(frozen=True)
class OcfResult:
    rc: int | None  # None: killed at the deadline, or could not be started
    duration: float
    stdout: str
    stderr: str
    detail: str = ""


def run_operation(
    path: str, op: str, env: Mapping[str, str], timeout: float | None, args: Sequence[str] = ()
) -> OcfResult:
    """``path op [args]`` with ``env`` only; never raises for the agent's misbehaviour."""
    started = time.monotonic()
    limit = timeout if timeout and timeout > 0 else DEFAULT_TIMEOUT
    # Files, not pipes: an LSB script's daemon inherits them and would keep a pipe open for ever.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err_out:
        try:
            proc = subprocess.Popen(
                [path, op, *args],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err_out,
                env=dict(env),
                start_new_session=True,
            )
        except OSError as err:
            return OcfResult(None, 0.0, "", "", f"cannot run {path}: {err.strerror}")
        try:
            rc: int | None = proc.wait(timeout=limit)
            detail = f"exit {rc}"
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)  # the whole group: the agent and whatever it was waiting for
            proc.wait()
            rc, detail = None, f"killed after {limit:g}s"
        return OcfResult(rc, time.monotonic() - started, _read(out), _read(err_out), detail)


def _read(handle: IO[bytes]) -> str:
    handle.seek(0)
    return handle.read(OUTPUT_LIMIT).decode(errors="replace")


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
