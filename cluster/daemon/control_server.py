"""The daemon's side of the control socket (:mod:`cluster.daemon.control`): one JSON request per line in,
one JSON reply per line out."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from cluster.daemon.control import ControlError, Handler, socket_path


class ControlServer:
    def __init__(self, run_dir: str | Path, handlers: dict[str, Handler]) -> None:
        self._path = socket_path(run_dir)
        self._handlers = handlers
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        self._path.unlink(missing_ok=True)
        self._server = await asyncio.start_unix_server(self._serve, path=str(self._path))
        self._path.chmod(0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        self._path.unlink(missing_ok=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                reply = await self._dispatch(line)
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _dispatch(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            handler = self._handlers.get(request.get("cmd", ""))
        except (ValueError, AttributeError):
            return {"ok": False, "error": "bad request"}
        if handler is None:
            return {"ok": False, "error": f"unknown command {request.get('cmd')!r}"}
        try:
            return {"ok": True, **await handler(request)}
        except ControlError as err:
            return {"ok": False, "error": str(err)}
