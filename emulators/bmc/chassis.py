"""The chassis a BMC controls: power with real-hardware timing, reset/NMI counters, the boot device. Pure.

Time comes from an injected clock; nothing sleeps. A power-on (or the on half of a cycle) completes
``power_on_delay`` seconds after it was accepted, the way a real server takes a while to report power
good. ``cycle``, ``reset``, ``diag`` and ``soft`` are refused with completion code 0xd5 ("not supported
in present state") while the chassis is off, as real BMCs do. Every real change of the power rail is
emitted as a :class:`~emulators.base.wiring.PowerEvent` so the wiring can power a target.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

from emulators.base.power import PowerEvent

OUTLET = "chassis"  # the one "outlet" a BMC has, as the wiring names it

CC_OK = 0x00
CC_INVALID_DATA = 0xCC  # request data field invalid
CC_NOT_IN_PRESENT_STATE = 0xD5  # command not supported in present state


class Control(enum.IntEnum):
    """Chassis Control request data byte (IPMI 2.0 table 28-4)."""

    POWER_OFF = 0
    POWER_ON = 1
    POWER_CYCLE = 2
    HARD_RESET = 3
    PULSE_DIAG = 4
    SOFT_OFF = 5


REFUSED_WHILE_OFF = frozenset({Control.POWER_CYCLE, Control.HARD_RESET, Control.PULSE_DIAG, Control.SOFT_OFF})


@dataclass(frozen=True)
class ChassisTiming:
    power_on_delay: float = 0.0  # seconds from an accepted "on" to the chassis reporting on
    cycle_off_time: float = 0.0  # how long a power cycle keeps the rail off before powering on again
    soft_off_delay: float = 0.0  # how long the OS takes to shut down after an ACPI soft-off request


@dataclass
class ChassisCounters:
    """What happened to the machine, for tests and the ready line."""

    power_ons: int = 0
    power_offs: int = 0
    resets: int = 0
    nmis: int = 0
    last_command: str = ""


@dataclass
class Chassis:
    """One server's power rail. ``clock`` returns seconds (monotonic)."""

    clock: Callable[[], float]
    timing: ChassisTiming = field(default_factory=ChassisTiming)
    powered: bool = True
    boot_flags: bytes = bytes(5)  # boot options parameter 5, as the last client set it
    stuck: bool = False  # relay ignores commands (a fault): commands still succeed
    counters: ChassisCounters = field(default_factory=ChassisCounters)
    _pending: tuple[float, bool] | None = None  # (when, on) of a transition in progress
    _events: list[PowerEvent] = field(default_factory=list)

    # -- reading -----------------------------------------------------------------------------------
    def is_on(self) -> bool:
        """The real state of the rail now (applies a transition whose time has come)."""
        self.tick()
        return self.powered

    @property
    def transition_pending(self) -> bool:
        return self._pending is not None

    def due_in(self) -> float | None:
        """Seconds until a pending transition completes (None when nothing is pending)."""
        return None if self._pending is None else max(0.0, self._pending[0] - self.clock())

    def tick(self) -> None:
        """Complete a pending transition whose time has come. Call it periodically so wiring follows."""
        if self._pending is not None and self.clock() >= self._pending[0]:
            on = self._pending[1]
            self._pending = None
            self._switch(on)

    def take_events(self) -> list[PowerEvent]:
        """Power changes since the last call, oldest first (for the wiring)."""
        self.tick()
        events, self._events = self._events, []
        return events

    # -- commands --------------------------------------------------------------------------------------
    def control(self, request: int) -> int:
        """Apply a Chassis Control request; return the IPMI completion code."""
        try:
            op = Control(request)
        except ValueError:
            return CC_INVALID_DATA
        self.tick()
        self.counters.last_command = op.name.lower()
        if op in REFUSED_WHILE_OFF and not self.powered:
            return CC_NOT_IN_PRESENT_STATE
        if self.stuck:
            return CC_OK  # the BMC says yes; nothing moves
        now = self.clock()
        if op is Control.POWER_OFF:
            self._pending = None
            self._switch(False)
        elif op is Control.POWER_ON:
            if not self.powered and self._pending is None:
                self._schedule(now + self.timing.power_on_delay, True)
        elif op is Control.POWER_CYCLE:
            self._switch(False)
            self._schedule(now + self.timing.cycle_off_time + self.timing.power_on_delay, True)
        elif op is Control.HARD_RESET:
            self.counters.resets += 1
            self._switch(False)  # the wired machine restarts: it sees off then on at once
            self._switch(True)
        elif op is Control.PULSE_DIAG:
            self.counters.nmis += 1
        elif op is Control.SOFT_OFF:
            self._schedule(now + self.timing.soft_off_delay, False)
        return CC_OK

    # -- internals --------------------------------------------------------------------------------------
    def _schedule(self, when: float, on: bool) -> None:
        self._pending = (when, on)
        self.tick()  # zero delays take effect at once

    def _switch(self, on: bool) -> None:
        if on == self.powered:
            return
        self.powered = on
        if on:
            self.counters.power_ons += 1
        else:
            self.counters.power_offs += 1
        self._events.append(PowerEvent(OUTLET, on, self.clock()))
