"""Tiny real servers for the HTTPS client tests: a TCP listener on 127.0.0.1 (TLS with a throw-away CA, or
plain), one thread per connection, each connection driven by the test's own script.

A script gets a :class:`Peer` (read the next request, send raw bytes, close) and does whatever the edge
under test needs: answer chunked, hang, trickle, close at the wrong moment. No mocks: the client talks to a
real socket and a real TLS stack.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from emulators.redfish.certs import TlsFiles, make_tls_files

STOP_TIMEOUT = 5.0


class Request:
    def __init__(self, line: str, headers: dict[str, str], body: bytes) -> None:
        self.line, self.headers, self.body = line, headers, body

    @property
    def method(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.line.split(" ")[1]


class Peer:
    """One accepted connection, as the script sees it."""

    def __init__(self, sock: socket.socket, stop: threading.Event) -> None:
        self.sock, self.stop = sock, stop
        self._buffer = b""

    def read_request(self) -> Request | None:
        """The next request (None when the client closed the connection)."""
        while b"\r\n\r\n" not in self._buffer:
            chunk = self._recv()
            if not chunk:
                return None
            self._buffer += chunk
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        line, *fields = head.decode("latin-1").split("\r\n")
        headers = {}
        for field in fields:
            name, _, value = field.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            chunk = self._recv()
            if not chunk:
                return None
            self._buffer += chunk
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        return Request(line, headers, body)

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except (OSError, ssl.SSLError):
            return b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def hang(self) -> None:
        """Keep the connection open without answering until the server stops (a hung BMC)."""
        self.stop.wait(STOP_TIMEOUT * 6)


def json_answer(body: bytes, status: str = "200 OK", extra: str = "") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


class Server:
    def __init__(
        self, script: Callable[[Peer, int], None], tls: TlsFiles | None, handshake: bool, host: str
    ) -> None:
        self.script, self.tls, self.handshake = script, tls, handshake
        self.listener = socket.create_server((host, 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[Request] = []
        self.stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._context: ssl.SSLContext | None = None
        if tls is not None:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(tls.cert_file, tls.key_file)
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self._socks.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, self.connections), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        try:
            if self._context is not None and self.handshake:
                sock.settimeout(STOP_TIMEOUT)
                sock = self._context.wrap_socket(sock, server_side=True)
                self._socks.append(sock)
                sock.settimeout(None)
            self.script(RecordingPeer(sock, self.stop, self.requests), number)
        except (OSError, ssl.SSLError):
            pass  # the client gave up (the point of many of these tests)
        finally:
            sock.close()

    def close(self) -> None:
        self.stop.set()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (close alone does not)
        except OSError:
            pass
        self.listener.close()
        for sock in self._socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in [self._acceptor, *self._threads]:
            thread.join(STOP_TIMEOUT)


class RecordingPeer(Peer):
    def __init__(self, sock: socket.socket, stop: threading.Event, log: list[Request]) -> None:
        super().__init__(sock, stop)
        self.log = log

    def read_request(self) -> Request | None:
        request = super().read_request()
        if request is not None:
            self.log.append(request)
        return request


@contextmanager
def serving(
    script: Callable[[Peer, int], None], tls: TlsFiles | None, handshake: bool = True, host: str = "127.0.0.1"
) -> Iterator[Server]:
    """A server running ``script(peer, connection_number)`` for every connection; stopped at the end."""
    server = Server(script, tls, handshake, host)
    try:
        yield server
    finally:
        server.close()


def tls_files(directory: Path, host: str = "127.0.0.1") -> TlsFiles:
    return make_tls_files(directory, host)
