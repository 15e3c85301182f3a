"""DeviceServer: one device model, its front ends, its relay timer and its wiring, on one asyncio loop."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any, Protocol

from emulators.base.model import DeviceModel
from emulators.base.wiring import PowerEvent, Wiring


@dataclass
class Listen:
    """Which standard front ends to run. A port of None switches that front end off; 0 picks a free port."""

    host: str = "127.0.0.1"
    telnet_port: int | None = 0
    ssh_port: int | None = None
    serial: bool = False


class FrontEnd(Protocol):
    """Starts serving, reports what it bound (``{"telnet": 40123}``, ``{"serial": "/dev/pts/4"}``)."""

    async def start(self, server: DeviceServer) -> dict[str, Any]: ...

    async def stop(self) -> None: ...


class DeviceServer:
    def __init__(
        self,
        model: DeviceModel,
        listen: Listen | None = None,
        wiring: Wiring | None = None,
        extra_front_ends: list[FrontEnd] | None = None,
    ) -> None:
        self.model = model
        self.listen = listen or Listen()
        self.wiring = wiring or Wiring()
        self.extra_front_ends = list(extra_front_ends or [])
        self.front_ends: list[FrontEnd] = []
        self.drivers: set[Any] = set()  # live SessionDrivers
        self.ports: dict[str, int] = {}
        self.serial_path: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def now(self) -> float:
        assert self._loop is not None, "server not started"
        return self._loop.time()

    def settle(self) -> None:
        """Apply relay transitions that are due, tell the wiring, and arm the timer for the next one."""
        if self._loop is None:
            return
        events = self.model.advance(self.now())
        if events:
            self.wiring.deliver(events)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.model.next_due()
        if due is not None:
            self._timer = self._loop.call_at(due, self.settle)

    async def start(self) -> None:
        from emulators.base.serial import SerialFrontEnd
        from emulators.base.telnet import TelnetFrontEnd

        self._loop = asyncio.get_running_loop()
        now = self.now()
        self.wiring.deliver(PowerEvent(o, on, now) for o, on in self.model.outlet_states().items())
        wanted: list[FrontEnd] = []
        if self.listen.telnet_port is not None:
            wanted.append(TelnetFrontEnd(self.listen.host, self.listen.telnet_port))
        if self.listen.ssh_port is not None:
            from emulators.base.ssh import SshFrontEnd  # asyncssh is only imported when ssh is wanted

            wanted.append(SshFrontEnd(self.listen.host, self.listen.ssh_port))
        if self.listen.serial:
            wanted.append(SerialFrontEnd())
        wanted.extend(self.extra_front_ends)
        try:
            for fe in wanted:
                bound = await fe.start(self)
                self.front_ends.append(fe)
                for name, value in bound.items():
                    if name == "serial":
                        self.serial_path = str(value)
                    else:
                        self.ports[name] = int(value)
        except BaseException:
            await self.stop()
            raise
        self.settle()

    async def stop(self) -> None:
        tasks = [d.task for d in self.drivers if d.task is not None]
        for driver in list(self.drivers):
            driver.end()
        await asyncio.gather(*tasks, return_exceptions=True)
        for fe in reversed(self.front_ends):
            await fe.stop()
        self.front_ends.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.wiring.close()

    async def __aenter__(self) -> DeviceServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def info(self) -> dict[str, Any]:
        """The facts of the ready line."""
        return {
            "device": self.model.kind,
            "host": self.listen.host,
            "ports": dict(self.ports),
            "serial": self.serial_path,
            "pid": os.getpid(),
            **self.model.describe(),
        }
