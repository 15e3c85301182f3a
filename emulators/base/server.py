"""DeviceServer: one device model, its front ends, its relay timer and its wiring, on one asyncio loop.

It knows front ends only through the :class:`~emulators.base.host.FrontEnd` protocol and hands them itself
as a :class:`~emulators.base.host.DeviceHost`; front_ends.py builds the standard telnet/ssh/serial set.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from emulators.base.events import NO_EVENTS, EventLog, NoEvents
from emulators.base.host import FrontEnd, Hangup
from emulators.base.model import DeviceModel
from emulators.base.power import PowerEvent
from emulators.base.wiring import Wiring


class DeviceServer:
    def __init__(
        self,
        model: DeviceModel,
        front_ends: Sequence[FrontEnd] = (),
        wiring: Wiring | None = None,
        host: str = "127.0.0.1",
        events: EventLog | NoEvents = NO_EVENTS,
    ) -> None:
        self._model = model
        self.events: EventLog | NoEvents = NO_EVENTS
        self.record(events)
        self.wanted = list(front_ends)
        self.wiring = wiring or Wiring()
        self.host = host  # the address the front ends bind (for the ready line)
        self.name = model.kind  # the device's name in the ready line and its events
        self.front_ends: list[FrontEnd] = []
        self.sessions: set[Hangup] = set()  # live sessions, hung up at stop()
        self.ports: dict[str, int] = {}
        self.serial_path: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def record(self, events: EventLog | NoEvents) -> None:
        """Send the device's ground truth to ``events``: every relay change (``outlet``), start and stop,
        and what the model emits itself (the SAN's port changes and writes)."""
        self.events = events
        self._model.events = events

    # -- DeviceHost ----------------------------------------------------------------------------------------
    @property
    def model(self) -> DeviceModel:
        return self._model

    def now(self) -> float:
        assert self._loop is not None, "server not started"
        return self._loop.time()

    def attach(self, session: Hangup) -> None:
        self.sessions.add(session)

    def detach(self, session: Hangup) -> None:
        self.sessions.discard(session)

    def settle(self) -> None:
        """Apply relay transitions that are due, tell the wiring, and arm the timer for the next one."""
        if self._loop is None:
            return
        changes = self.model.advance(self.now())
        if changes:
            for change in changes:
                self.events.emit("outlet", outlet=change.outlet, on=change.on)
            self.wiring.deliver(changes)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        due = self.model.next_due()
        if due is not None:
            self._timer = self._loop.call_at(due, self.settle)

    # -- life cycle ----------------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        now = self.now()
        states = dict(self.model.outlet_states())
        self.events.emit("start", outlets=states)
        self.wiring.deliver(PowerEvent(o, on, now) for o, on in states.items())
        try:
            for fe in self.wanted:
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
        live = list(self.sessions)
        for session in live:
            session.end()
        await asyncio.gather(*(s.finished() for s in live), return_exceptions=True)
        for fe in reversed(self.front_ends):
            await fe.stop()
        self.front_ends.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.wiring.close()
        self.events.emit("stop")
        self.events.close()

    async def __aenter__(self) -> DeviceServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def info(self) -> dict[str, Any]:
        """The facts of the ready line."""
        return {
            "device": self.model.kind,
            "name": self.name,
            "host": self.host,
            "ports": dict(self.ports),
            "serial": self.serial_path,
            "pid": os.getpid(),
            **self.model.describe(),
        }
