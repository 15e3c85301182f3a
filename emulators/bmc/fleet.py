"""Many BMCs, one process each: start, stop and restart workers independently; talk to them over pipes.

pyghmi's server shares one I/O thread and module-global tables per process (closing one BMC's socket
kills the thread for all; a BMC added late waits for the select loop), so every BMC is its own
``python -m emulators.bmc.worker`` process. Each binds its own port on 127.0.0.1 (0 = a free one,
reported back: no fixed daemon port, no "already running" race) and serves until its stdin closes.
A restarted BMC binds the port it had, so agents configured with it keep working.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO, Any

from emulators.bmc.config import BmcConfig

START_TIMEOUT = 10.0
REQUEST_TIMEOUT = 5.0


class FleetError(RuntimeError):
    """A worker could not start or answer (one line, for the user)."""


@dataclass
class Member:
    config: BmcConfig
    proc: subprocess.Popen[str] | None = None
    port: int | None = None
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.config.name,
            "host": self.config.address,
            "port": self.port,
            "pid": self.proc.pid if self.running and self.proc else None,
            "running": self.running,
        }


def _pump(stream: IO[str], sink: queue.Queue[str | None]) -> None:
    for line in stream:
        sink.put(line)
    sink.put(None)


def _next_line(member: Member, timeout: float) -> dict[str, Any]:
    try:
        line = member.lines.get(timeout=timeout)
    except queue.Empty:
        raise FleetError(f"{member.config.name}: no answer within {timeout:g} s") from None
    if line is None:
        raise FleetError(f"{member.config.name}: the BMC process exited")
    return dict(json.loads(line))


class Fleet:
    """The BMC workers of one ``fencelab emulate bmc``."""

    def __init__(self, configs: list[BmcConfig]) -> None:
        self.members = {c.name: Member(c) for c in configs}
        self.lock = threading.Lock()

    def member(self, name: str) -> Member:
        try:
            return self.members[name]
        except KeyError:
            raise FleetError(f"no BMC named {name!r}") from None

    def start_all(self, timeout: float = START_TIMEOUT) -> None:
        """Start every worker at once, then collect their ready lines (all within ``timeout``)."""
        for m in self.members.values():
            self._spawn(m)
        deadline = time.monotonic() + timeout
        for m in self.members.values():
            self._await_ready(m, max(0.1, deadline - time.monotonic()))

    def start(self, name: str, timeout: float = START_TIMEOUT) -> Member:
        m = self.member(name)
        with self.lock:
            if not m.running:
                self._spawn(m)
                self._await_ready(m, timeout)
        return m

    def stop(self, name: str, timeout: float = 5.0) -> Member:
        m = self.member(name)
        with self.lock:
            self._stop(m, timeout)
        return m

    def stop_all(self, timeout: float = 5.0) -> None:
        for m in self.members.values():
            if m.proc is not None and m.proc.stdin is not None and not m.proc.stdin.closed:
                m.proc.stdin.close()  # every worker starts shutting down at once
        for m in self.members.values():
            self._stop(m, timeout)

    def request(self, name: str, request: dict[str, Any], timeout: float = REQUEST_TIMEOUT) -> dict[str, Any]:
        """Send one control request to a running worker and return its answer."""
        m = self.member(name)
        with self.lock:
            if not m.running or m.proc is None or m.proc.stdin is None:
                raise FleetError(f"{name}: not running")
            m.proc.stdin.write(json.dumps(request) + "\n")
            m.proc.stdin.flush()
            return _next_line(m, timeout)

    def describe(self) -> list[dict[str, Any]]:
        return [m.describe() for m in self.members.values()]

    # -- internals ---------------------------------------------------------------------------------
    def _spawn(self, m: Member) -> None:
        config = m.config
        if m.port:
            config = BmcConfig.from_json(config.to_json())
            config.port = m.port  # a restart keeps the port agents know
        m.lines = queue.Queue()
        m.proc = subprocess.Popen(
            [sys.executable, "-m", "emulators.bmc.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert m.proc.stdin is not None and m.proc.stdout is not None
        m.proc.stdin.write(config.to_json() + "\n")
        m.proc.stdin.flush()
        threading.Thread(target=_pump, args=(m.proc.stdout, m.lines), daemon=True).start()

    def _await_ready(self, m: Member, timeout: float) -> None:
        try:
            ready = _next_line(m, timeout)
        except FleetError:
            self._stop(m, 1.0)
            raise
        if "error" in ready:
            self._stop(m, 1.0)
            raise FleetError(f"{m.config.name}: {ready['error']}")
        m.port = int(ready["port"])

    def _stop(self, m: Member, timeout: float) -> None:
        proc = m.proc
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.closed:
            try:
                proc.stdin.close()  # end of file: the worker stops and powers its target off
            except BrokenPipeError:
                pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
