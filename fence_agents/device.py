"""The small interface every fence device implements; the framework does the rest.

An agent module declares an :class:`~fence_agents.spec.AgentSpec` whose ``connect`` factory returns a
:class:`Device`. The framework logs in, reads status, sets power, verifies by polling, and logs out;
a device only speaks its wire protocol. Raise :mod:`fence_agents.errors` exceptions on failure.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod


class PowerState(enum.Enum):
    """A plug's (or fabric port's) state as the device reports it."""

    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"


class Device(ABC):
    """One session with one fence device (a power switch, a BMC, a SAN switch).

    ``plug`` is the plug/port identifier as the user gave it (a string; ``None`` for devices without plugs,
    such as a BMC). Every method must respect the deadlines the transport was built with.

    The order the framework keeps, which a device may rely on: ``login`` first; within one session the
    state of a plug is read (``get_power``) before it is set (``set_power``, ``cycle``, ``diag``), so
    what the read learned may be reused (fence_nps resolves a plug name to its plug numbers there,
    fence_brocade reuses the switchshow table); ``logout`` last, also after a failure.
    """

    @abstractmethod
    def login(self) -> None:
        """Connect and authenticate. Raise LoginError / ConnectError."""

    @abstractmethod
    def get_power(self, plug: str | None) -> PowerState:
        """Return the current state. Raise PlugNotFound when the device has no such plug."""

    @abstractmethod
    def set_power(self, plug: str | None, state: PowerState) -> None:
        """Ask the device to change state; do not wait for it (the framework verifies)."""

    def list_plugs(self) -> dict[str, str]:
        """Return plug -> alias (alias may be ''). Devices without plugs raise NotSupported."""
        from fence_agents.errors import NotSupported

        raise NotSupported("list")

    def list_status(self) -> dict[str, tuple[str, PowerState]]:
        """Return plug -> (alias, state). Default: list then get_power per plug; override when cheaper."""
        return {plug: (alias, self.get_power(plug)) for plug, alias in self.list_plugs().items()}

    def cycle(self, plug: str | None) -> None:
        """One power-cycle command (method=cycle). Raise NotSupported when the device has none."""
        from fence_agents.errors import NotSupported

        raise NotSupported("cycle")

    def diag(self, plug: str | None) -> None:
        """Pulse a diagnostic interrupt (NMI). Only agents that declare the diag action implement it."""
        from fence_agents.errors import NotSupported

        raise NotSupported("diag")

    @abstractmethod
    def logout(self) -> None:
        """Leave politely and close. Must never raise for an already-dead connection."""
