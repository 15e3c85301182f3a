"""Wiring: what a device's outlets/ports power or connect, and telling those targets about changes.

A model emits ``PowerEvent``s (power.py: outlet, on/off, when) as its relays actually switch; the server
hands them to ``Wiring.deliver``, which tells each wired target once per real change. Targets:

- ``CallbackTarget(fn)``: calls ``fn(on: bool)`` (in-process labs, tests).
- ``ProcessTarget(argv)``: power-on starts argv in its own process group; power-off SIGKILLs the whole
  group at once (a pulled plug gives no warning) and reaps it; the next power-on starts it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from emulators.base.power import PowerEvent


class Target(Protocol):
    def power(self, on: bool) -> None: ...

    def close(self) -> None: ...


class CallbackTarget:
    def __init__(self, fn: Callable[[bool], None]) -> None:
        self.fn = fn

    def power(self, on: bool) -> None:
        self.fn(on)

    def close(self) -> None:
        pass


class ProcessTarget:
    """A process tree powered by an outlet."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, log: str | None = None
    ) -> None:
        if not argv:
            raise ValueError("a process target needs a command")
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def power(self, on: bool) -> None:
        if on:
            self._start()
        else:
            self._kill()

    def _start(self) -> None:
        if self.running:
            return
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                env=self.env,
                start_new_session=True,  # its own session and process group: killed as a whole
            )
        finally:
            if self.log:
                out.close()  # type: ignore[union-attr]
        self.starts += 1

    def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the group is already gone
        proc.wait(timeout=5)
        wait_group_dead(proc.pid)

    def close(self) -> None:
        self._kill()


def group_members_alive(pgid: int) -> list[int]:
    """Pids in process group ``pgid`` that still run code (zombies do not count). Linux /proc scan."""
    alive = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def wait_group_dead(pgid: int, timeout: float = 2.0) -> None:
    """SIGKILL is delivered asynchronously: wait until no member of the group runs any more, so that a
    powered-off node can do nothing after power-off returns."""
    deadline = time.monotonic() + timeout
    while group_members_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.002)


class Wiring:
    """Outlet -> target, plus the last state each target was told (so it hears each change once)."""

    def __init__(self, targets: Mapping[str, Target] | None = None) -> None:
        self.targets: dict[str, Target] = dict(targets or {})
        self.told: dict[str, bool] = {}

    def wire(self, outlet: str, target: Target) -> None:
        self.targets[outlet] = target

    def pending_calls(self, events: Iterable[PowerEvent]) -> list[tuple[str, bool]]:
        """The (outlet, on) notifications these events call for, updating the bookkeeping. Pure."""
        calls = []
        for ev in events:
            if ev.outlet in self.targets and self.told.get(ev.outlet) != ev.on:
                self.told[ev.outlet] = ev.on
                calls.append((ev.outlet, ev.on))
        return calls

    def deliver(self, events: Iterable[PowerEvent]) -> None:
        for outlet, on in self.pending_calls(events):
            self.targets[outlet].power(on)

    def close(self) -> None:
        """Emulator shutting down: power is gone for every target."""
        for target in self.targets.values():
            target.close()
        self.told.clear()
