"""A small telnet client over a plain socket (no telnetlib): connect deadline, option negotiation, expect.

The protocol work is in :mod:`fence_agents.transports.telnet_protocol` (pure); this module only moves bytes.
"""

from __future__ import annotations

import socket
import time

from fence_agents.errors import ConnectError, ConnectionLost
from fence_agents.transports.expect import StreamChannel
from fence_agents.transports.telnet_protocol import TelnetProtocol, encode_outgoing

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from fence_agents.log import Logger

READ_SIZE = 4096


def connect_socket(
    host: str, port: int, timeout: float, log: Logger, family: int = socket.AF_UNSPEC
) -> socket.socket:
    """Try every address of ``host`` within one overall deadline; ConnectError when none answers.

    The user sees upstream's one line; the reason goes to the debug log.
    """
    deadline = time.monotonic() + timeout
    try:
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        log.debug("cannot resolve %s: %s", host, err)
        raise ConnectError() from None
    last: OSError | None = None
    for fam, kind, proto, _name, addr in infos:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(fam, kind, proto)
        sock.settimeout(remaining)
        try:
            sock.connect(addr)
        except OSError as err:
            sock.close()
            last = err
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # small commands, answer fast
        return sock
    log.debug("cannot connect to %s port %d: %s", host, port, last or "timed out")
    raise ConnectError()


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
