"""A TCP connection to a device within one overall deadline, for every stream transport (telnet, HTTPS)."""

from __future__ import annotations

import socket
import time

from fence_agents.errors import ConnectError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.log import Logger


def connect_socket(
    host: str, port: int, timeout: float, log: Logger, family: int = socket.AF_UNSPEC
) -> socket.socket:
    """Try every address of ``host`` within one overall deadline; ConnectError when none answers.

    The user sees upstream's one line; the reason goes to the debug log.
    """
    deadline = time.monotonic() + timeout
    try:
        # an ASCII name as bytes: for text, getaddrinfo loads the IDNA codec (3 modules) first
        name: str | bytes = host.encode("ascii") if host.isascii() else host
        infos = socket.getaddrinfo(name, port, family, socket.SOCK_STREAM)
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
