"""The thin I/O around :class:`~fence_agents.ipmi.session.ClientSession`: one connected UDP socket, the
monotonic clock, and waits that never pass the session's own deadlines.

The socket comes from ``_socket``, the C module under ``socket``: ``socket.py`` adds nothing a UDP client
uses and pulls in ``selectors`` and ``enum``, a few ms of every agent run.
"""

from __future__ import annotations

import _socket as socket
import time

from fence_agents.ipmi.session import ClientSession, SessionError
from fence_agents.ipmi.wire import Response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

MAX_DATAGRAM = 1024


class Unreachable(SessionError):
    """The BMC's address cannot be resolved or used."""


class UdpSession:
    """Drive one :class:`ClientSession` over UDP to ``host:port``."""

    def __init__(
        self,
        core: ClientSession,
        host: str,
        port: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.core, self.clock = core, clock
        try:
            family, kind, proto, _, address = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
        except (OSError, UnicodeError) as err:
            raise Unreachable(f"cannot resolve {host}: {err}") from None
        self.sock = socket.socket(family, kind, proto)
        try:
            self.sock.connect(address)  # the kernel drops datagrams from anyone else
        except OSError as err:
            self.sock.close()
            raise Unreachable(f"cannot reach {host}:{port}: {err}") from None

    def login(self, timeout: float) -> None:
        self._exchange(self.core.login(self.clock(), timeout))

    def request(self, netfn: int, command: int, data: bytes, timeout: float, what: str) -> Response:
        self._exchange(self.core.request(netfn, command, data, self.clock(), timeout, what))
        assert self.core.response is not None
        return self.core.response

    def close(self, timeout: float) -> None:
        """Close Session (waiting at most ``timeout`` for the BMC's answer), then the socket."""
        try:
            if self.core.ready:
                self._exchange(self.core.close(self.clock(), timeout))
        finally:
            self.sock.close()

    def _exchange(self, first: bytes) -> None:
        """Send ``first``; feed answers and timer ticks to the core until nothing is in flight."""
        core, sock = self.core, self.sock
        self._send(first)
        while core.inflight is not None:
            wake = core.wake_at
            wait = 0.0 if wake is None else wake - self.clock()
            datagram = b""
            if wait > 0:
                sock.settimeout(wait)
                try:
                    datagram = sock.recv(MAX_DATAGRAM)
                except TimeoutError:
                    pass
                except ConnectionRefusedError:  # ICMP port unreachable: the BMC may be starting up
                    pass
            out = core.receive(datagram, self.clock()) if datagram else core.tick(self.clock())
            if out:
                self._send(out)

    def _send(self, datagram: bytes) -> None:
        try:
            self.sock.send(datagram)
        except ConnectionRefusedError:
            pass  # an earlier datagram bounced; the retransmit timer deals with it
