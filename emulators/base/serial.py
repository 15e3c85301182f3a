"""Serial front end: a pseudo-terminal. The emulator serves the master side; clients open the slave path
(``/dev/pts/N``) as they would an RS-232 port. Like a console, the device is silent until it receives a line
(press Enter); that line wakes it up and is answered with the banner and login prompt. After a logout the
line waits for Enter again."""

from __future__ import annotations

import asyncio
import os
import tty
from typing import Any

from emulators.base.host import DeviceHost
from emulators.base.session_driver import SessionDriver


class SerialFrontEnd:
    def __init__(self) -> None:
        self.master: int | None = None
        self.slave: int | None = None
        self.path: str | None = None
        self.driver: SessionDriver | None = None
        self._host: DeviceHost | None = None

    async def start(self, host: DeviceHost) -> dict[str, Any]:
        self._host = host
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo, no line discipline: bytes pass as on a wire
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        asyncio.get_running_loop().add_reader(self.master, self._readable)
        self._new_driver()
        return {"serial": self.path}

    def _new_driver(self, _old: SessionDriver | None = None) -> None:
        if self._host is None or self.master is None:
            return
        self.driver = SessionDriver(self._host, self, "serial", lazy_greet=True, on_end=self._new_driver)
        self.driver.start()

    def _readable(self) -> None:
        assert self.master is not None
        try:
            data = os.read(self.master, 4096)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return  # EIO: nobody has the slave open; we hold it, so this is transient
        if self.driver is not None and data:
            self.driver.data_received(data.decode("latin-1"))

    # ClientConnection
    def write(self, text: str) -> None:
        if self.master is None:
            return
        data = text.encode("utf-8", "replace")
        try:
            os.write(self.master, data)
        except (BlockingIOError, OSError):
            pass  # nobody reading and the line buffer is full: characters fall on the floor, as on a wire

    def close(self) -> None:
        """A session hang-up: the line stays, a fresh session waits for Enter (see on_end)."""

    async def stop(self) -> None:
        host, self._host = self._host, None
        if self.driver is not None and host is not None:
            self.driver.connection_lost()
        if self.master is not None:
            asyncio.get_running_loop().remove_reader(self.master)
            os.close(self.master)
            self.master = None
        if self.slave is not None:
            os.close(self.slave)
            self.slave = None
