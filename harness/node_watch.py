"""Watch workload processes powered by emulated outlets.

Each connects to a UNIX socket and says hello; its death (SIGKILL on power-off) closes the socket. Events go
to a Timeline; callers wait on states with deadlines.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from pathlib import Path

from harness.timeline import Timeline


class NodeWatch:
    def __init__(self, timeline: Timeline) -> None:
        self.timeline = timeline
        self.dir = tempfile.mkdtemp(prefix="fencelab-watch-")
        self.path = str(Path(self.dir) / "nodes.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(64)
        self.pids: dict[str, int | None] = {}
        self.starts: dict[str, int] = {}
        self._changed = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            hello = b""
            while not hello.endswith(b"\n"):
                chunk = conn.recv(256)
                if not chunk:
                    return
                hello += chunk
            name, pid = hello.decode().split()
            with self._changed:
                self.pids[name] = int(pid)
                self.starts[name] = self.starts.get(name, 0) + 1
                self._changed.notify_all()
            again = " again" if self.starts[name] > 1 else ""
            self.timeline.add(name, f"node is running{again} (pid {pid})")
            while conn.recv(256):
                pass
            with self._changed:
                self.pids[name] = None
                self._changed.notify_all()
            self.timeline.add(name, f"node is DEAD: power cut, pid {pid} killed")

    def wait(self, name: str, running: bool, timeout: float = 10.0, starts: int | None = None) -> None:
        """Wait until ``name`` is running (or dead); with ``starts``, until it has started that many times."""

        def reached() -> bool:
            if starts is not None and self.starts.get(name, 0) < starts:
                return False
            return (self.pids.get(name) is not None) == running

        with self._changed:
            if not self._changed.wait_for(reached, timeout):
                state = "running" if running else "dead"
                raise TimeoutError(f"{name} not {state} within {timeout}s")

    def command(self, name: str) -> list[str]:
        """The argv an outlet runs to power this node."""
        import sys

        return [sys.executable, "-m", "harness.demo_node", name, self.path]

    def close(self) -> None:
        self.server.close()
        try:
            os.unlink(self.path)
            os.rmdir(self.dir)
        except OSError:
            pass
