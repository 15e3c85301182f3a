"""The lab's power board: which outlets feed which machine, and booting or cutting machines as they switch.

Each outlet wired to a node runs a ``harness.power_feed`` process (see there) that holds a connection to this
board. A machine has power while every one of its feeds is connected (its outlets are in series: any one
switched off cuts it, so every fence method alone can fence the node); it boots when the last missing feed
comes back. Booting and cutting are callbacks, so the rule itself stays a small pure function.
"""

from __future__ import annotations

import os
import selectors
import socket
import threading
import time
from collections.abc import Callable, Mapping, Set
from pathlib import Path


def powered(required: Set[str], connected: Set[str]) -> bool:
    """A machine with at least one feed has power when all of its feeds do."""
    return bool(required) and required <= connected


class PowerBoard:
    def __init__(
        self,
        path: Path,
        feeds: Mapping[str, Set[str]],
        boot: Callable[[str], None],
        cut: Callable[[str], None],
    ) -> None:
        self.path = path
        self.required = {node: set(f) for node, f in feeds.items()}
        self.connected: dict[str, set[str]] = {node: set() for node in feeds}
        self.on: dict[str, bool] = dict.fromkeys(feeds, False)
        self.boot, self.cut = boot, cut
        self.armed = False  # until armed, feeds are counted but no machine boots
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self._sel = selectors.DefaultSelector()
        self._conns: dict[socket.socket, tuple[str, str] | None] = {}
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if path.exists():
            path.unlink()
        self._server.bind(str(path))
        os.chmod(path, 0o600)
        self._server.listen(64)
        self._sel.register(self._server, selectors.EVENT_READ)
        self._wake_r, self._wake_w = socket.socketpair()
        self._sel.register(self._wake_r, selectors.EVENT_READ)
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="power-board", daemon=True)
        self._thread.start()

    def feeding(self, node: str) -> set[str]:
        with self.lock:
            return set(self.connected.get(node, ()))

    def _serve(self) -> None:
        buffers: dict[socket.socket, bytes] = {}
        while not self._stop:
            for key, _ in self._sel.select(timeout=1.0):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._server:
                    conn, _ = self._server.accept()
                    self._conns[conn] = None
                    buffers[conn] = b""
                    self._sel.register(conn, selectors.EVENT_READ)
                    continue
                if sock is self._wake_r:
                    continue
                data = sock.recv(256)
                if not data:
                    self._sel.unregister(sock)
                    who = self._conns.pop(sock, None)
                    buffers.pop(sock, None)
                    sock.close()
                    if who:
                        self._change(who[0], who[1], False)
                    continue
                buffers[sock] += data
                if b"\n" in buffers[sock] and self._conns.get(sock) is None:
                    words = buffers[sock].split(b"\n", 1)[0].decode(errors="replace").split()
                    if len(words) == 2 and words[0] in self.required:
                        self._conns[sock] = (words[0], words[1])
                        self._change(words[0], words[1], True)

    def arm(self) -> None:
        """From now on machines follow their feeds; those already fed boot now."""
        with self.lock:
            self.armed = True
            due = [
                n for n in self.required if powered(self.required[n], self.connected[n]) and not self.on[n]
            ]
            for node in due:
                self.on[node] = True
        for node in due:
            self.boot(node)

    def wait_fed(self, node: str, timeout: float) -> bool:
        """Whether every feed of node is connected within timeout (devices start their outlets on)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not powered(self.required[node], self.connected[node]):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def _change(self, node: str, feed: str, up: bool) -> None:
        with self.lock:
            (self.connected[node].add if up else self.connected[node].discard)(feed)
            now = powered(self.required[node], self.connected[node])
            changed = self.armed and now != self.on[node]
            if changed:
                self.on[node] = now
            self.changed.notify_all()
        if changed:
            (self.boot if now else self.cut)(node)

    def close(self) -> None:
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(timeout=5)
        for conn in list(self._conns):
            conn.close()
        self._server.close()
        self._wake_r.close()
        self._wake_w.close()
        self._sel.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
