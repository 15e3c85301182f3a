"""The Redfish service on the wire: HTTP/1.1 over TLS (or plain HTTP) with aiohttp's low-level server, as an
front end of the base ``DeviceServer``. The fault plan is applied per request and per handshake.

Faults (``command`` is the request's key, see :func:`emulators.redfish.service.command_key`):
latency (answer later), hang (never answer; the request is not run), drop (run it, send half the answer,
close), garbage (run it, answer 200 with a body that is not JSON), server-error (answer ``code``, default
500, with a DMTF body; not run), tls-fail (the handshake ends in an alert), refuse-login, stuck, lie.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulators.base.faults import FaultKind
from emulators.redfish.aiohttp_web import web
from emulators.redfish.certs import make_tls_files
from emulators.redfish.errors import RedfishError
from emulators.redfish.http_types import HttpRequest, HttpResponse
from emulators.redfish.model import RedfishModel
from emulators.redfish.service import Service, command_key

if TYPE_CHECKING:
    from emulators.base.host import DeviceHost

log = logging.getLogger("emulators.redfish")
GARBAGE = b'<html>\x00\x7f{"PowerState": \xff\xfe garbage'
MAX_BODY = 1 << 20


def _raw_response(response: HttpResponse) -> bytes:
    """The bytes of an answer as HTTP/1.1 sends them (for the drop fault's half answer)."""
    lines = [f"HTTP/1.1 {response.status} X", f"Content-Length: {len(response.body)}"]
    lines += [f"{k}: {v}" for k, v in response.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + response.body


class RedfishFrontEnd:
    """Serves ``https`` (or ``http`` with ``tls=False``); reports ``{"https": port}``."""

    def __init__(self, host: str, port: int, tls: bool = True) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.tmpdir: Path | None = None
        self.server: asyncio.AbstractServer | None = None
        self.web_server: web.Server | None = None
        self.hanging: set[asyncio.Future[None]] = set()
        self.device: DeviceHost | None = None

    def _ssl_context(self, model: RedfishModel) -> ssl.SSLContext:
        self.tmpdir = Path(tempfile.mkdtemp(prefix="fencelab-redfish-tls-"))
        files = make_tls_files(self.tmpdir, self.host)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(files.cert_file, files.key_file)

        def on_hello(sock: Any, server_name: str | None, context: ssl.SSLContext) -> int | None:
            return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE if model.faults.tls_fail() else None

        ctx.sni_callback = on_hello  # called for every ClientHello, with or without SNI
        model.facts.update(ca_file=str(files.ca_file), cert_file=str(files.cert_file))
        return ctx

    async def start(self, server: DeviceHost) -> dict[str, Any]:
        self.device = server
        model = server.model
        assert isinstance(model, RedfishModel)
        ctx = self._ssl_context(model) if self.tls else None
        scheme = "https" if self.tls else "http"
        self.web_server = web.Server(self._handle, access_log=None)
        self.server = await asyncio.get_running_loop().create_server(
            self.web_server, self.host, self.port, ssl=ctx
        )
        port = self.server.sockets[0].getsockname()[1]
        model.facts.update(scheme=scheme, url=f"{scheme}://{self.host}:{port}")
        return {scheme: port}

    async def stop(self) -> None:
        for fut in self.hanging:
            fut.cancel()
        if self.web_server is not None:
            await self.web_server.shutdown(1.0)
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    async def _handle(self, raw: web.BaseRequest) -> web.StreamResponse:
        assert self.device is not None
        device, model = self.device, self.device.model
        assert isinstance(model, RedfishModel)
        body = await raw.content.read(MAX_BODY)
        headers = {k.lower(): v for k, v in raw.headers.items()}
        request = HttpRequest(raw.method, raw.path, headers, body, raw.query_string)
        fault = model.faults.on_command(command_key(request))
        if fault.latency:
            await asyncio.sleep(fault.latency)
        if fault.effect is FaultKind.HANG:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.hanging.add(fut)
            try:
                await fut  # never answered; cancelled when the emulator stops
            finally:
                self.hanging.discard(fut)
        if fault.effect is FaultKind.SERVER_ERROR:
            err = RedfishError(fault.code, "InternalError" if fault.code == 500 else "GeneralError")
            answer = HttpResponse.of_json(err.status, err.body(), [("OData-Version", "4.0")])
        else:
            answer = Service(model).handle(request, device.now())
            device.settle()  # a reset may have switched a relay: tell the wiring, arm the timer
        log.debug("%s %s -> %d", request.method, request.path, answer.status)
        if fault.effect is FaultKind.GARBAGE:
            answer = HttpResponse(200, GARBAGE, [("OData-Version", "4.0")])
        if fault.effect is FaultKind.DROP and raw.transport is not None:
            data = _raw_response(answer)
            raw.transport.write(data[: len(data) // 2])
            raw.transport.close()
            raise ConnectionResetError("drop fault")
        response = web.Response(status=answer.status, body=answer.body or None)
        for name, value in answer.headers:
            response.headers.add(name, value)
        if answer.content_type and answer.body:
            response.headers["Content-Type"] = answer.content_type
        return response
