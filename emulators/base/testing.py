"""Helpers for testing devices: run a DeviceServer on a background thread, talk to it with a blocking
expect-style client over a real socket (telnet commands answered and stripped) or a pty."""

from __future__ import annotations

import asyncio
import os
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from emulators.base.lines import DO, DONT, IAC, SB, SE, WILL, WONT
from emulators.base.server import DeviceServer

T = TypeVar("T")


class ThreadedServer:
    """``with ThreadedServer(server) as srv:`` serves on a thread; ``srv.call(fn)`` runs fn there."""

    def __init__(self, server: DeviceServer, timeout: float = 5.0) -> None:
        self.server = server
        self.timeout = timeout
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(self.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(self.timeout)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(self.timeout)
        self.loop.close()

    def call(self, fn: Callable[[], T]) -> T:
        """Run fn on the server's loop (models are not thread-safe) and return its result."""

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(self.timeout)

    @property
    def telnet_port(self) -> int:
        return self.server.ports["telnet"]


class ExpectClient:
    """Blocking client with deadlines. ``expect(regex)`` returns the text up to and including the match."""

    def __init__(self, timeout: float = 3.0) -> None:
        self.timeout = timeout
        self.buffer = ""
        self.raw = b""  # every byte received, telnet commands included
        self.closed = False

    def _read(self, wait: float) -> bytes | None:
        """Bytes received within ``wait`` seconds; None on timeout; b"" when the peer closed."""
        raise NotImplementedError

    def _filter(self, data: bytes) -> str:
        return data.decode("utf-8", "replace")

    def send(self, text: str) -> None:
        raise NotImplementedError

    def sendline(self, text: str) -> None:
        self.send(text + "\r\n")

    def _pump(self, wait: float) -> None:
        data = self._read(wait)
        if data == b"":
            self.closed = True
        elif data is not None:
            self.raw += data
            self.buffer += self._filter(data)

    def expect(self, pattern: str, timeout: float | None = None) -> str:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        regex = re.compile(pattern)
        while True:
            m = regex.search(self.buffer)
            if m:
                text, self.buffer = self.buffer[: m.end()], self.buffer[m.end() :]
                return text
            if self.closed:
                raise EOFError(f"closed before {pattern!r}; got {self.buffer[-300:]!r}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {pattern!r} within deadline; got {self.buffer[-300:]!r}")
            self._pump(left)

    def read_until_closed(self, timeout: float | None = None) -> str:
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"connection still open; got {self.buffer[-300:]!r}")
            self._pump(left)
        text, self.buffer = self.buffer, ""
        return text

    def silent_for(self, seconds: float) -> bool:
        """True if no text arrives (telnet commands aside) and the peer does not close within ``seconds``."""
        before = len(self.buffer)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not self.closed:
            self._pump(left)
        return len(self.buffer) == before and not self.closed


class TelnetTestClient(ExpectClient):
    """A raw-socket telnet client: agrees to the server's offers (WILL x -> DO x), refuses its requests."""

    def __init__(self, host: str, port: int, timeout: float = 3.0) -> None:
        super().__init__(timeout)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.commands: list[tuple[int, int]] = []  # (verb, option) received
        self._pending = b""

    def _read(self, wait: float) -> bytes | None:
        ready, _, _ = select.select([self.sock], [], [], wait)
        if not ready:
            return None
        try:
            return self.sock.recv(65536)
        except ConnectionResetError:
            return b""

    def _filter(self, data: bytes) -> str:
        out = bytearray()
        data, self._pending = self._pending + data, b""
        i = 0
        while i < len(data):
            b = data[i]
            if b != IAC:
                out.append(b)
                i += 1
                continue
            if i + 1 >= len(data):
                self._pending = data[i:]
                break
            verb = data[i + 1]
            if verb == IAC:
                out.append(IAC)
                i += 2
            elif verb in (DO, DONT, WILL, WONT):
                if i + 2 >= len(data):
                    self._pending = data[i:]
                    break
                self._answer(verb, data[i + 2])
                i += 3
            elif verb == SB:
                end = data.find(bytes([IAC, SE]), i)
                if end < 0:
                    self._pending = data[i:]
                    break
                i = end + 2
            else:
                i += 2
        return out.decode("utf-8", "replace")

    def _answer(self, verb: int, opt: int) -> None:
        self.commands.append((verb, opt))
        answer = bytes([IAC, DO, opt]) if verb == WILL else bytes([IAC, WONT, opt]) if verb == DO else b""
        try:
            self.sock.sendall(answer)
        except OSError:
            pass  # the server already hung up (a busy unit): what it said is still worth reading

    def send(self, text: str) -> None:
        self.sock.sendall(text.encode("utf-8").replace(b"\xff", b"\xff\xff"))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        self.sock.close()


class FdTestClient(ExpectClient):
    """Talks through a file descriptor: a pty master driving a terminal program, or a serial line."""

    def __init__(self, fd: int, timeout: float = 3.0) -> None:
        super().__init__(timeout)
        self.fd = fd

    def _read(self, wait: float) -> bytes | None:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return None
        try:
            return os.read(self.fd, 65536)
        except OSError:
            return b""

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def close(self) -> None:
        os.close(self.fd)


class PtyTestClient(FdTestClient):
    """Opens a pty slave path (the emulator's serial line) as a terminal program would."""

    def __init__(self, path: str, timeout: float = 3.0) -> None:
        super().__init__(os.open(path, os.O_RDWR | os.O_NOCTTY), timeout)


def process_gone(pid: int) -> bool:
    """Dead: no such process, or a zombie nobody reaped yet (it runs no code any more)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "state") -> None:
    """Poll a condition until it holds; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout}s")
        time.sleep(0.005)
