"""A relay in front of a device that notes when an agent first reaches it (fence-agents' delay check, made
exact: not only the wall time, but no packet before the delay has passed)."""

from __future__ import annotations

import selectors
import socket
import threading
import time


class FirstContactProxy:
    """Relays TCP connections or UDP datagrams from 127.0.0.1:port to the device; ``first`` is the
    monotonic time of the first connection or datagram (None while nothing came)."""

    def __init__(self, transport: str, upstream: tuple[str, int]) -> None:
        self.transport = transport
        self.upstream = upstream
        self.first: float | None = None
        kind = socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM
        self.sock = socket.socket(socket.AF_INET, kind)
        self.sock.bind(("127.0.0.1", 0))
        if transport == "tcp":
            self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._sel = selectors.DefaultSelector()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _note(self) -> None:
        if self.first is None:
            self.first = time.monotonic()

    def _serve(self) -> None:
        self._sel.register(self.sock, selectors.EVENT_READ)
        pairs: dict[socket.socket, socket.socket] = {}
        clients: dict[tuple[str, int], socket.socket] = {}  # udp: client address -> its upstream socket
        back: dict[socket.socket, tuple[str, int]] = {}
        while not self._stop.is_set():
            for key, _ in self._sel.select(timeout=0.1):
                s = key.fileobj
                assert isinstance(s, socket.socket)
                try:
                    if s is self.sock and self.transport == "tcp":
                        conn, _ = s.accept()
                        self._note()
                        up = socket.create_connection(self.upstream, timeout=5)
                        pairs[conn], pairs[up] = up, conn
                        self._sel.register(conn, selectors.EVENT_READ)
                        self._sel.register(up, selectors.EVENT_READ)
                    elif s is self.sock:
                        data, addr = s.recvfrom(65535)
                        self._note()
                        if addr not in clients:
                            up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                            up.connect(self.upstream)
                            clients[addr], back[up] = up, addr
                            self._sel.register(up, selectors.EVENT_READ)
                        clients[addr].send(data)
                    elif s in back:
                        self.sock.sendto(s.recv(65535), back[s])
                    else:
                        data = s.recv(65536)
                        if data:
                            pairs[s].sendall(data)
                        else:
                            other = pairs.pop(s)
                            pairs.pop(other, None)
                            for x in (s, other):
                                self._sel.unregister(x)
                                x.close()
                except OSError:
                    continue
        for x in list(pairs) + list(back):
            x.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
        self._sel.close()
