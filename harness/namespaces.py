"""Network and mount namespaces that tests and labs create: unique names, commands run inside, always removed.

A namespace made here is named ``fl-<what>-<pid>-<n>`` so that parallel runs on one machine never collide,
and ``close()`` kills every process still inside before deleting it (a namespace with a live process would
outlive its lab). ``leftovers()`` finds namespaces of runs whose process is gone (a SIGKILLed lab), so the
next run can remove them.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from harness.waiting import wait_for

PREFIX = "fl-"
PR_SET_PDEATHSIG = 1
NETNS_DIR = Path("/run/netns")
_counter = itertools.count(1)


class NetnsError(RuntimeError):
    """An `ip` command failed; the message is its first line of stderr."""


def ip(*args: str, timeout: float = 10.0) -> str:
    """Run iproute2 with a deadline; failures raise NetnsError with ip's own message."""
    try:
        out = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise NetnsError(f"ip {' '.join(args)}: no answer within {timeout:g} s") from None
    if out.returncode != 0:
        first = (out.stderr.strip().splitlines() or ["failed"])[0]
        raise NetnsError(f"ip {' '.join(args)}: {first}")
    return out.stdout


class _Namespace:
    """What both kinds share: a context manager whose commands run inside through exec_argv."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def run(
        self, argv: Sequence[str], timeout: float = 30.0, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside with a deadline, its output captured as text."""
        return subprocess.run(self.exec_argv(argv), capture_output=True, text=True, timeout=timeout, **kwargs)


class NetNamespace(_Namespace):
    """One network namespace with loopback up; deleted (every process inside killed) on close."""

    def __init__(self, what: str) -> None:
        self.name = f"{PREFIX}{what}-{os.getpid()}-{next(_counter)}"
        ip("netns", "add", self.name)
        self.closed = False
        try:
            ip("-n", self.name, "link", "set", "lo", "up")
        except NetnsError:
            self.close()
            raise

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        """argv that runs a command inside this namespace."""
        return ["ip", "netns", "exec", self.name, *argv]

    def pids(self) -> list[int]:
        try:
            return [int(p) for p in ip("netns", "pids", self.name).split()]
        except NetnsError:
            return []

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        kill_all(self.pids())
        try:
            ip("netns", "del", self.name)
        except NetnsError:
            pass


class MountNamespace(_Namespace):
    """A private mount namespace held open by a sleeping process; commands enter it with nsenter.

    Mounts made inside are invisible to the host and vanish with the namespace, so a test or lab node that
    dies cannot leave a filesystem mounted on the machine.
    """

    def __init__(self, netns: NetNamespace | None = None) -> None:
        argv = ["unshare", "--mount", "--propagation", "private", "--", "sleep", "infinity"]
        self.holder = subprocess.Popen(
            netns.exec_argv(argv) if netns else argv, stdin=subprocess.DEVNULL, start_new_session=True
        )
        self.netns = netns
        self._wait_entered()

    def _wait_entered(self, timeout: float = 5.0) -> None:
        mine = os.readlink("/proc/self/ns/mnt")

        def entered() -> int | None:  # unshare has run once the sleeper's mount namespace differs from ours
            if self.holder.poll() is not None:
                raise NetnsError(f"unshare exited {self.holder.returncode} before its namespace was ready")
            sleeper = _child_sleeper(self.holder.pid)
            return sleeper if sleeper and os.readlink(f"/proc/{sleeper}/ns/mnt") != mine else None

        try:
            self.pid: int = wait_for(
                "a private mount namespace", entered, timeout, 0.005, retry_on=(OSError,)
            )
        except (AssertionError, NetnsError):
            self.close()
            raise

    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        net = [f"--net={NETNS_DIR / self.netns.name}"] if self.netns else []
        return ["nsenter", f"--mount=/proc/{self.pid}/ns/mnt", *net, "--", *argv]

    def close(self) -> None:
        if self.holder.poll() is None:
            try:
                os.killpg(self.holder.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.holder.wait(timeout=5)


def _child_sleeper(pid: int) -> int | None:
    """The process that runs `sleep` under the holder: the holder itself once unshare has exec'd."""
    try:
        with open(f"/proc/{pid}/comm", encoding="ascii") as fh:
            if fh.read().strip() == "sleep":
                return pid
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            for child in fh.read().split():
                found = _child_sleeper(int(child))
                if found:
                    return found
    except OSError:
        return None
    return None


def die_with_parent() -> None:
    """preexec_fn: the child is SIGKILLed when the process that started it dies, even by SIGKILL."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def kill_all(pids: Sequence[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def veth_pair(ns_a: NetNamespace, name_a: str, ns_b: NetNamespace, name_b: str) -> None:
    """A veth cable with one end in each namespace (interface names at most 15 characters)."""
    tmp = f"flv{os.getpid() % 100000}{next(_counter)}"[:15]
    ip("link", "add", tmp, "type", "veth", "peer", "name", tmp[:13] + "p")
    ip("link", "set", tmp, "netns", ns_a.name, "name", name_a)
    ip("link", "set", tmp[:13] + "p", "netns", ns_b.name, "name", name_b)
    ip("-n", ns_a.name, "link", "set", name_a, "up")
    ip("-n", ns_b.name, "link", "set", name_b, "up")


def leftovers() -> list[str]:
    """fencelab namespaces whose creating process no longer runs (its run was killed before cleanup)."""
    if not NETNS_DIR.is_dir():
        return []
    stale = []
    for entry in NETNS_DIR.iterdir():
        parts = entry.name.split("-")
        if not entry.name.startswith(PREFIX) or len(parts) < 4 or not parts[-2].isdigit():
            continue
        if not Path(f"/proc/{parts[-2]}").exists():
            stale.append(entry.name)
    return stale
