"""HTTPS to a Redfish service: JSON requests on one kept-alive connection (:mod:`fence_agents.https`), an
X-Auth-Token session or HTTP Basic, redirects within the BMC, and every failure as one fence error line.

No ``requests``: its import alone (urllib3, http.client, email, charset_normalizer, idna...) cost about as
much as a whole status run may (docs/agent-api.md, "How it talks"). The client is the standard library's
``socket`` and ``ssl``, imported when the first request is made, never for ``-o metadata``.
"""

from __future__ import annotations

import json
import time

from fence_agents import log as agent_log
from fence_agents.errors import DeviceError
from fence_agents.https.client import HttpsConnection, basic_authorization

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fence_agents.https.http1 import Response
    from fence_agents.log import Logger

GET_HEADERS = {
    "Accept": "application/json",
    "OData-Version": "4.0",  # some BMCs answer 406 without these two
    "Accept-Encoding": "identity",
    "User-Agent": "fencelab-fence_redfish",
}
POST_HEADERS = {**GET_HEADERS, "Content-Type": "application/json"}
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 10
_UNSAFE = frozenset(' "<>\\^`{|}')


class Reply:
    __slots__ = ("status", "headers", "body", "raw")

    def __init__(self, status: int, headers: dict[str, str], body: Any, raw: bytes = b"") -> None:
        self.status, self.headers, self.body, self.raw = status, headers, body, raw  # body: JSON or None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class HttpSettings:
    __slots__ = ("base", "username", "password", "verify", "connect_timeout", "read_timeout", "log")

    def __init__(
        self,
        base: str,  # https://host:port
        username: str,
        password: str,
        verify: bool,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        log: Logger | None = None,
    ) -> None:
        self.base, self.username, self.password, self.verify = base, username, password, verify
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.log: Logger = log if log is not None else agent_log.get()


def split_base(base: str) -> tuple[str, int]:
    """(host, port) of ``https://host:port`` (IPv6 literals in brackets)."""
    authority = base.split("://", 1)[-1].split("/", 1)[0]
    if authority.startswith("["):
        host, _, rest = authority[1:].partition("]")
        return host, int(rest.lstrip(":") or 443)
    host, _, port = authority.rpartition(":")
    return (host, int(port)) if host and port.isdigit() else (authority, 443)


def quote_target(target: str) -> str:
    """Percent-encode what may not stand in a request line (spaces, non-ASCII), as requests does; existing
    %XX escapes are kept."""
    if all(32 < ord(c) < 127 and c not in _UNSAFE for c in target):
        return target
    return "".join(
        c if 32 < ord(c) < 127 and c not in _UNSAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
        for c in target
    )


class RedfishHttp:
    def __init__(self, settings: HttpSettings, environ: Any = None) -> None:
        self.settings = settings
        self.token: str | None = None
        self.basic = True
        host, port = split_base(settings.base)
        self.connection = HttpsConnection(
            host,
            port,
            settings.verify,
            settings.connect_timeout,
            settings.read_timeout,
            settings.log,
            environ,
        )

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else self.settings.base + path

    def _target(self, path: str) -> str:
        """The request target for ``path``: a path, or an absolute URL on this BMC (a Location header)."""
        if not path.startswith(("https://", "http://")):
            return quote_target(path if path.startswith("/") else "/" + path)
        scheme, _, rest = path.partition("://")
        authority, slash, tail = rest.partition("/")
        if scheme != "https" or split_base("https://" + authority) != split_base(self.settings.base):
            raise DeviceError(f"Failed: {path} is not on {self.settings.base}: not followed")
        return quote_target(slash + tail)

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Reply:
        """One request within its deadline, following redirects within the BMC; any HTTP status comes back
        (the caller judges it)."""
        s = self.settings
        headers = dict(POST_HEADERS if body is not None else GET_HEADERS)
        if auth and self.token:
            headers["X-Auth-Token"] = self.token
        elif auth and self.basic:
            headers["Authorization"] = basic_authorization(s.username, s.password)
        data = json.dumps(body).encode("utf-8") if body is not None else None
        started = time.monotonic()
        for _ in range(MAX_REDIRECTS + 1):
            response = self.connection.request(method, self._target(path), headers, data)
            location = response.header("location")
            if response.status not in REDIRECTS or not location or not _follows(method, response.status):
                break
            s.log.debug("%s %s -> %d, to %s", method, path, response.status, location)
            path = _resolve(self.url(path), location)
            if response.status == 303 or (response.status in (301, 302) and method != "DELETE"):
                method, data = "GET", None  # as requests does: the answer is fetched, not the request resent
                headers = {k: v for k, v in headers.items() if k != "Content-Type"}
        else:
            raise DeviceError(f"Failed: {self.url(path)}: more than {MAX_REDIRECTS} redirects")
        reply = Reply(response.status, response.headers, None, _decoded(response))
        if reply.raw.strip():
            try:
                reply.body = json.loads(reply.raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                reply.body = None
        s.log.debug("%s %s -> %d (%.0f ms)", method, path, reply.status, (time.monotonic() - started) * 1000)
        return reply

    def get_json(self, path: str, auth: bool = True) -> tuple[Reply, dict[str, Any]]:
        """GET a resource that must be a JSON object (2xx); the reply comes back for the caller's status."""
        reply = self.request("GET", path, auth=auth)
        if 200 <= reply.status < 300 and not isinstance(reply.body, dict):
            raise DeviceError(
                f"Failed: {self.url(path)} answered HTTP {reply.status} with a body that is not JSON"
            )
        return reply, reply.body if isinstance(reply.body, dict) else {}

    def close(self) -> None:
        self.connection.close()


def _follows(method: str, status: int) -> bool:
    """A POST (a reset) follows only 307/308 (sent again as it was) and 303 (its result is elsewhere): a
    301/302 would turn it into a GET whose 200 would read as an accepted reset."""
    return method != "POST" or status in (303, 307, 308)


def _resolve(current: str, location: str) -> str:
    if location.startswith(("https://", "http://")):
        return location
    from urllib.parse import urljoin  # only on a redirect

    return urljoin(current, location)


def _decoded(response: Response) -> bytes:
    """The body, inflated when the server compressed it although we asked for identity."""
    encoding = (response.header("content-encoding") or "identity").strip().lower()
    if encoding in ("identity", "") or not response.body:
        return response.body
    import zlib

    try:
        if encoding in ("gzip", "x-gzip"):
            return zlib.decompress(response.body, 16 + zlib.MAX_WBITS)
        if encoding == "deflate":
            return zlib.decompress(response.body)
    except zlib.error as err:
        raise DeviceError(f"Failed: a {encoding} body that does not inflate: {err}") from None
    raise DeviceError(f"Failed: unsupported Content-Encoding {encoding!r}")
