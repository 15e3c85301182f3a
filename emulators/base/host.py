"""The narrow seams between a DeviceServer and what it runs: front ends, session drivers, client connections.

A front end is started with a :class:`DeviceHost` (not the whole server): the model, the clock, ``settle``
after a change, and ``attach``/``detach`` so the host can hang up live sessions when it stops. The concrete
front ends live in their own modules (telnet.py, ssh.py, serial.py) and are put together by front_ends.py,
so server.py knows none of them.
"""

from __future__ import annotations

from typing import Any, Protocol

from emulators.base.model import DeviceModel


class Hangup(Protocol):
    """A live session the host can end when it stops (a SessionDriver)."""

    def end(self) -> None: ...

    async def finished(self) -> None: ...


class DeviceHost(Protocol):
    """What front ends and session drivers may use of the server that runs the device."""

    @property
    def model(self) -> DeviceModel: ...

    def now(self) -> float: ...

    def settle(self) -> None: ...

    def attach(self, session: Hangup) -> None: ...

    def detach(self, session: Hangup) -> None: ...


class FrontEnd(Protocol):
    """Starts serving, reports what it bound (``{"telnet": 40123}``, ``{"serial": "/dev/pts/4"}``)."""

    async def start(self, host: DeviceHost) -> dict[str, Any]: ...

    async def stop(self) -> None: ...


class ClientConnection(Protocol):
    """The client side of one connection as a session driver sees it: text out, hang up."""

    def write(self, text: str) -> None: ...

    def close(self) -> None: ...
