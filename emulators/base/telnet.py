"""Telnet front end: a small asyncio server speaking real telnet negotiation (see lines.TelnetCodec)."""

from __future__ import annotations

import asyncio
from typing import Any

from emulators.base.host import DeviceHost
from emulators.base.lines import TelnetCodec
from emulators.base.session_driver import SessionDriver


class TelnetConnection(asyncio.Protocol):
    def __init__(self, host: DeviceHost) -> None:
        self.host = host
        self.codec = TelnetCodec()
        self.transport: asyncio.Transport | None = None
        self.driver: SessionDriver | None = None
        self._out: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.codec.greeting())
        self.driver = SessionDriver(self.host, self, "telnet", echo=self.codec.echo)
        self.driver.start()

    def data_received(self, data: bytes) -> None:
        payload, answer = self.codec.decode(data)
        if answer and self.transport is not None:
            self.transport.write(answer)
        if self.driver is not None:
            self.driver.echo = self.codec.echo
            if payload:
                self.driver.data_received(payload.decode("latin-1"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.driver is not None:
            self.driver.connection_lost()

    # ClientConnection, as the SessionDriver uses it. Writes made in one loop iteration (the echo of a line
    # and the answer to it) leave in one segment: half the system calls under load.
    def write(self, text: str) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if not self._out:
            asyncio.get_running_loop().call_soon(self._flush)
        self._out.append(TelnetCodec.encode(text))

    def _flush(self) -> None:
        data, self._out = b"".join(self._out), []
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self._flush()
            self.transport.close()


class TelnetFrontEnd:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: asyncio.base_events.Server | None = None
        self._conns: set[TelnetConnection] = set()

    async def start(self, device: DeviceHost) -> dict[str, Any]:
        loop = asyncio.get_running_loop()

        def factory() -> TelnetConnection:
            conn = TelnetConnection(device)
            self._conns.add(conn)
            return conn

        self._server = await loop.create_server(
            factory, self.host, self.port, reuse_address=True, backlog=512
        )
        port = self._server.sockets[0].getsockname()[1]
        return {"telnet": port}

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for conn in self._conns:
                conn.close()
            await self._server.wait_closed()
            self._server = None
