"""A small telnet client over a plain socket (no telnetlib): connect deadline, option negotiation, expect.

The protocol work is in :mod:`fence_agents.transports.telnet_protocol` (pure); this module only moves bytes.
"""

from __future__ import annotations

import socket

from fence_agents.errors import ConnectionLost
from fence_agents.transports.expect import StreamChannel
from fence_agents.transports.tcp import connect_socket
from fence_agents.transports.telnet_protocol import TelnetProtocol, encode_outgoing

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from fence_agents.log import Logger

READ_SIZE = 4096


class TelnetChannel(StreamChannel):
    """An open telnet session. Build with :meth:`open`."""

    def __init__(self, sock: socket.socket, log: Logger, secrets: Iterable[str] = ()) -> None:
        super().__init__(log, secrets, name="telnet")
        self._sock = sock
        self._protocol = TelnetProtocol()

    @classmethod
    def open(
        cls,
        host: str,
        port: int,
        timeout: float,
        log: Logger,
        secrets: Iterable[str] = (),
        family: int = socket.AF_UNSPEC,
    ) -> TelnetChannel:
        log.debug("telnet: connecting to %s port %d (timeout %.1fs)", host, port, timeout)
        return cls(connect_socket(host, port, timeout, log, family), log, secrets)

    def _write(self, data: bytes) -> None:
        try:
            self._sock.sendall(encode_outgoing(data))
        except OSError:
            raise ConnectionLost() from None

    def _read(self, timeout: float) -> bytes | None:
        self._sock.settimeout(max(timeout, 0.001))
        try:
            chunk = self._sock.recv(READ_SIZE)
        except TimeoutError:
            return b""
        except OSError:
            return None
        if not chunk:
            return None
        data, replies = self._protocol.feed(chunk)
        if replies:
            self.log.debug("telnet: negotiation reply %s", replies.hex(" "))
            try:
                self._sock.sendall(replies)
            except OSError:
                return None
        return data

    def _close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass
