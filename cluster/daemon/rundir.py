"""A node's run directory: where every tool looks for it, and the lock its daemon holds for its life.

Every tool finds the directory the same way: ``-d DIR``, else ``$FENCELAB_RUN_DIR``, else one default per
host (cman's single ``/var/run/cman_client``): ``$XDG_RUNTIME_DIR/fencelab``, ``/run/fencelab`` for root,
else ``/tmp/fencelab-UID``. A node daemon takes an exclusive ``flock`` on ``node.lock`` before it writes
anything there and holds it until it exits (the kernel drops it even on SIGKILL); the lock file names the
holder, so a tool can say who holds a directory without asking the daemon.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass
from pathlib import Path

RUN_DIR_ENV = "FENCELAB_RUN_DIR"
LOCK_NAME = "node.lock"
LOCK_WAIT = 0.5  # a tool's probe holds the lock for microseconds: a starting daemon retries that long


@dataclass(frozen=True)
class RunDir:
    path: Path
    chosen: bool  # False: the default, nobody named it (error messages say how to choose)


@dataclass(frozen=True)
class Holder:
    pid: int
    node: str


class RunDirBusy(Exception):
    """Another live daemon holds the run directory."""

    def __init__(self, path: Path, holder: Holder | None) -> None:
        self.path = path
        self.holder = holder
        who = f"node {holder.node} (pid {holder.pid})" if holder else "another node daemon"
        super().__init__(f"run directory {path} is held by {who}")


def default_run_dir() -> Path:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "fencelab"
    return Path("/run/fencelab") if os.geteuid() == 0 else Path(f"/tmp/fencelab-{os.geteuid()}")


def pick_run_dir(option: str | None) -> RunDir:
    given = option or os.environ.get(RUN_DIR_ENV)
    return RunDir(Path(given), True) if given else RunDir(default_run_dir(), False)


def _read_holder(path: Path) -> Holder | None:
    try:
        pid, _, node = path.read_text().strip().partition(" ")
        return Holder(int(pid), node)
    except (OSError, ValueError):
        return None


def owner(run_dir: Path) -> Holder | None:
    """The node recorded in the lock file (live or not); None when there is none."""
    return _read_holder(run_dir / LOCK_NAME)


def holder(run_dir: Path) -> Holder | None:
    """The live daemon holding ``run_dir``, or None. Reads only: creates and changes nothing."""
    path = run_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(path) or Holder(0, "")
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class RunDirLock:
    """The daemon's lock on its run directory: :meth:`acquire` first, before anything is written there."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._fd: int | None = None

    def acquire(self, node: str) -> None:
        """Take the lock or raise :class:`RunDirBusy`, leaving the directory as it was."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        path = self.run_dir / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise RunDirBusy(self.run_dir, _read_holder(path)) from None
                time.sleep(0.01)  # a tool's probe is in the way; it lets go at once
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {node}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # the file stays: removing a lock file races with the next taker
            self._fd = None
