"""One kept-alive HTTPS connection on the standard library (socket + ssl): the thin I/O around
:mod:`fence_agents.https.http1`.

Deadlines: the TCP connect, a proxy's CONNECT and the TLS handshake together within ``connect_timeout``;
then sending the request and reading the whole answer within ``read_timeout`` (every read waits at most what
is left, so a BMC that hangs, or trickles a byte a second, cannot hold the agent). A connection is reused
while the server keeps it open; one the server closed while we were idle is replaced before sending, and a
GET or DELETE that finds its reused connection closed without an answer is sent once more on a new one (a
POST is never repeated: a reset must not be sent twice by us).
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import time

from fence_agents.errors import ConnectError, ConnectionLost, DeviceError, DeviceTimeout
from fence_agents.https.http1 import ProtocolError, Response, ResponseReader, Truncated, encode_request
from fence_agents.https.proxy import ProxyError, proxy_for
from fence_agents.https.tls import client_context, failure_line
from fence_agents.transports.tcp import connect_socket

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from fence_agents.log import Logger

READ_SIZE = 65536
RETRY_ON_FRESH = frozenset(("GET", "HEAD", "DELETE", "OPTIONS"))  # idempotent: safe to send again


class StaleConnection(Exception):
    """A reused connection closed before any byte of the answer (the server's idle timeout won the race)."""


class HttpsConnection:
    def __init__(
        self,
        host: str,
        port: int,
        verify: bool,
        connect_timeout: float,
        read_timeout: float,
        log: Logger,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.host, self.port, self.verify = host.strip("[]"), port, verify
        self.connect_timeout, self.read_timeout, self.log = connect_timeout, read_timeout, log
        self.environ = os.environ if environ is None else environ
        self.origin = f"https://{_authority(self.host, port)}"
        self.connections = 0  # TCP connections opened so far (the tests check the reuse)
        self._context: ssl.SSLContext | None = None
        self._sock: ssl.SSLSocket | None = None

    # -- one request -------------------------------------------------------------------------------------
    def request(self, method: str, target: str, headers: dict[str, str], body: bytes | None) -> Response:
        """Send one request and read its whole answer; any HTTP status comes back."""
        data = encode_request(method, target, _authority(self.host, self.port), headers, body)
        reused = self._usable()
        try:
            return self._exchange(method, data, reused)
        except StaleConnection:
            if method not in RETRY_ON_FRESH:
                raise ConnectionLost() from None
            self.log.debug("The kept-alive connection was closed by the BMC; %s %s again", method, target)
            return self._exchange(method, data, False)

    def _exchange(self, method: str, data: bytes, reused: bool) -> Response:
        if not reused:
            self.close()
            self._sock = self._connect()
        sock = self._sock
        assert sock is not None
        deadline = time.monotonic() + self.read_timeout
        reader = ResponseReader(head_request=method == "HEAD")
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.sendall(data)
            while not reader.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError()
                sock.settimeout(left)
                chunk = sock.recv(READ_SIZE)
                if not chunk and reused and not reader.started:
                    raise StaleConnection()
                reader.feed(chunk)
        except StaleConnection:
            self.close()
            raise
        except TimeoutError:
            self.close()
            raise DeviceTimeout() from None
        except Truncated as err:
            self.close()
            self.log.debug("%s: %s", self.origin, err)
            raise ConnectionLost() from None
        except ProtocolError as err:
            self.close()
            raise DeviceError(f"Failed: {self.origin} broke HTTP: {err}") from None
        except (ssl.SSLError, OSError) as err:
            self.close()
            if reused and not reader.started and isinstance(err, (BrokenPipeError, ConnectionResetError)):
                raise StaleConnection() from None
            self.log.debug("%s: %s", self.origin, err)
            raise ConnectionLost() from None
        except BaseException:  # SIGTERM's unwinding mid-request: the answer would confuse the next one
            self.close()
            raise
        response = reader.response
        assert response is not None
        if not response.keep_alive:
            self.close()
        return response

    def _usable(self) -> bool:
        """A kept-alive connection with nothing to read: a readable idle socket means the server closed it
        (or sent something unasked), so it is not used again."""
        sock = self._sock
        if sock is None:
            return False
        try:
            readable = bool(sock.pending()) or bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):
            readable = True
        if readable:
            self.close()
        return not readable

    # -- connecting --------------------------------------------------------------------------------------
    def _connect(self) -> ssl.SSLSocket:
        deadline = time.monotonic() + self.connect_timeout
        try:
            proxy = proxy_for(self.host, self.port, self.environ)
        except ProxyError as err:
            raise ConnectError(f"Failed: {err}") from None
        if proxy is None:
            raw = connect_socket(self.host, self.port, self.connect_timeout, self.log)
        else:
            self.log.debug("Through the proxy %s:%d (%s)", proxy.host, proxy.port, proxy.source)
            try:
                raw = connect_socket(proxy.host, proxy.port, self.connect_timeout, self.log)
            except ConnectError as err:  # name the proxy: the BMC itself was never tried
                where = f"{_authority(proxy.host, proxy.port)} (from {proxy.source})"
                raise ConnectError(f"{err} through the proxy {where}: it does not answer") from None
            try:
                self._tunnel(raw, proxy.credentials, deadline)
            except BaseException:
                raw.close()
                raise
        self.connections += 1
        if self._context is None:
            self._context = client_context(self.verify, self.environ)
        try:
            sock = self._context.wrap_socket(
                raw, server_hostname=_sni(self.host), do_handshake_on_connect=False
            )
        except BaseException:
            raw.close()
            raise
        try:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            sock.do_handshake()
        except TimeoutError:
            sock.close()
            raise DeviceTimeout() from None
        except (ssl.SSLError, OSError) as err:
            sock.close()
            raise ConnectError(failure_line(self.origin, err)) from None
        self.log.debug("Connected to %s (%s, connection %d)", self.origin, sock.version(), self.connections)
        return sock

    def _tunnel(self, raw: socket.socket, credentials: str | None, deadline: float) -> None:
        """CONNECT host:port through an HTTP proxy; anything but a 2xx is one error line."""
        authority = _authority(self.host, self.port)
        headers = {}
        if credentials:
            headers["Proxy-Authorization"] = "Basic " + _base64(credentials)
        raw.sendall(encode_request("CONNECT", authority, authority, headers, None))
        reader = ResponseReader(head_request=True)  # a CONNECT answer's body, if any, is the tunnel
        try:
            while not reader.done:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError()
                raw.settimeout(left)
                reader.feed(raw.recv(1))  # byte by byte: what follows the answer belongs to TLS
        except TimeoutError:
            raise DeviceTimeout() from None
        except (OSError, ProtocolError) as err:
            raise ConnectError(f"Failed: the proxy did not open a tunnel to {authority}: {err}") from None
        assert reader.response is not None
        if not 200 <= reader.response.status < 300:
            status = f"{reader.response.status} {reader.response.reason}".strip()
            raise ConnectError(f"Failed: the proxy refused a tunnel to {authority}: HTTP {status}")

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _sni(host: str) -> str | bytes:
    """The name to check and send: an ASCII name as bytes, so that ssl skips its IDNA codec (a few
    modules more); a non-ASCII one as text, which ssl encodes with IDNA."""
    return host.encode("ascii") if host.isascii() else host


def _base64(text: str) -> str:
    import binascii

    return binascii.b2a_base64(text.encode("utf-8"), newline=False).decode("ascii")


def basic_authorization(username: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic. UTF-8 (RFC 7617's charset, and what the session login's
    JSON carries); requests encodes Latin-1, so a non-ASCII password differs from the stock agent's bytes."""
    return "Basic " + _base64(f"{username}:{password}")
