"""Tiny servers for the transport tests, each in its own thread with its own event loop.

They are tests of the *client*: just enough of a device to answer a prompt and echo a command.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

READY_TIMEOUT = 5.0


class LoopThread:
    """Runs ``start()`` (which returns a server with .close()/.wait_closed()) on a private loop."""

    def __init__(self, start: Callable[[], Awaitable[Any]]) -> None:
        self.loop = asyncio.new_event_loop()
        self._start = start
        self._ready = threading.Event()
        self.server: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def boot() -> None:
            try:
                self.server = await self._start()
            except BaseException as err:  # reported to the test thread
                self.error = err
            self._ready.set()

        self.loop.create_task(boot())
        self.loop.run_forever()

    def __enter__(self) -> LoopThread:
        self.thread.start()
        if not self._ready.wait(READY_TIMEOUT):
            raise TimeoutError("test server did not start")
        if self.error is not None:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self.server.close()
            try:
                await asyncio.wait_for(self.server.wait_closed(), 2.0)
            except TimeoutError:
                pass

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(5.0)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)

    @property
    def port(self) -> int:
        return int(self.server.sockets[0].getsockname()[1])
