"""HTTPS to a Redfish service with ``requests``: one kept-alive connection, a deadline on every request,
certificate checking per request (so ``--ssl-insecure`` wins over ``REQUESTS_CA_BUNDLE``), an X-Auth-Token
session or HTTP Basic, and every library failure turned into one fence error line.

``requests`` is imported when the first connection is made, never for ``-o metadata``.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fence_agents import log as agent_log
from fence_agents.errors import ConnectError, ConnectionLost, DeviceError, DeviceTimeout, FenceError

if TYPE_CHECKING:
    from fence_agents.log import Logger

GET_HEADERS = {"Accept": "application/json", "OData-Version": "4.0"}  # some BMCs answer 406 without them
POST_HEADERS = {**GET_HEADERS, "Content-Type": "application/json"}
MAX_BODY = 4 << 20
_SSL_REASON = re.compile(r"\[SSL: ([A-Z0-9_]+)\]|(CERTIFICATE_VERIFY_FAILED|WRONG_VERSION_NUMBER)")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, or None
    raw: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class HttpSettings:
    base: str  # https://host:port
    username: str
    password: str
    verify: bool
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    log: Logger = field(default_factory=agent_log.get)


def tls_failure(base: str, text: str) -> FenceError:
    match = _SSL_REASON.search(text)
    reason = (match.group(1) or match.group(2)) if match else "handshake failed"
    hint = " (use --ssl-insecure, or trust its CA)" if reason == "CERTIFICATE_VERIFY_FAILED" else ""
    if reason == "WRONG_VERSION_NUMBER":
        hint = " (the port does not speak TLS)"
    return ConnectError(f"Failed: TLS with {base} failed: {reason}{hint}")


def insecure_adapter(requests: Any) -> Any:
    """An adapter whose unverified connections use a TLS context without CA certificates: urllib3 would
    load the system's whole CA store into every new connection's context, to check nothing."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    class InsecureAdapter(requests.adapters.HTTPAdapter):  # type: ignore[misc, name-defined]
        def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
            host, pool = super().build_connection_pool_key_attributes(request, verify, cert)
            if verify is False:
                pool["ssl_context"] = context
            return host, pool

    return InsecureAdapter()


class RedfishHttp:
    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings
        self.token: str | None = None
        self.basic = True
        self._session: Any = None

    def _requests(self) -> Any:
        if self._session is None:
            import requests
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            self._session = requests.Session()
            if not self.settings.verify:
                self._session.mount("https://", insecure_adapter(requests))
        return self._session

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else self.settings.base + path

    def request(self, method: str, path: str, body: Any = None, auth: bool = True) -> Reply:
        """One request within its deadline; any HTTP status comes back (the caller judges it)."""
        import requests

        s, session = self.settings, self._requests()
        headers = dict(POST_HEADERS if body is not None else GET_HEADERS)
        basic = None
        if auth and self.token:
            headers["X-Auth-Token"] = self.token
        elif auth and self.basic:
            basic = (s.username, s.password)
        started = time.monotonic()
        deadline = started + s.connect_timeout + s.read_timeout
        try:
            response = session.request(
                method, self.url(path), headers=headers, auth=basic, verify=s.verify, stream=True,
                data=json.dumps(body) if body is not None else None, allow_redirects=True,
                timeout=(s.connect_timeout, s.read_timeout),
            )  # fmt: skip
            raw = b""
            for chunk in response.iter_content(65536):
                raw += chunk
                if time.monotonic() > deadline or len(raw) > MAX_BODY:
                    response.close()
                    raise DeviceTimeout()
        except requests.exceptions.SSLError as err:
            raise tls_failure(s.base, str(err)) from None
        except (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout):
            raise DeviceTimeout() from None
        except requests.exceptions.ConnectionError as err:
            text = str(err)
            if "Read timed out" in text:
                raise DeviceTimeout() from None
            if (
                "Connection refused" in text
                or "Name or service not known" in text
                or "NewConnectionError" in text
            ):
                raise ConnectError() from None
            raise ConnectionLost() from None
        except requests.exceptions.ChunkedEncodingError:  # the answer broke off half-way
            raise ConnectionLost() from None
        except requests.exceptions.RequestException as err:
            raise DeviceError(f"Failed: {method} {self.url(path)}: {str(err).splitlines()[0]}") from None
        reply = Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, None, raw)
        if raw.strip():
            try:
                reply.body = json.loads(raw.decode("utf-8"))
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
        if self._session is not None:
            try:
                self._session.close()
            except Exception:  # noqa: BLE001 - leaving is a courtesy
                pass
            self._session = None
