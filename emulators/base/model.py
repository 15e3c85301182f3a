"""The pure side of a device: its model, its sessions, and relays that switch later than they are told.

Nothing here does I/O or reads a clock: time comes in as ``now`` (seconds, any monotonic origin).
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from emulators.base.events import NO_EVENTS, EventSink
from emulators.base.faults import FaultError, FaultPlan, fault_from_mapping
from emulators.base.power import PowerEvent


@dataclass(frozen=True)
class Reply:
    """What a session says back to one input (or to the connection opening)."""

    text: str = ""
    close: bool = False  # hang up after sending text
    secret: bool = False  # the next input line is a secret: the front end must not echo it


class Session(ABC):
    """One logged-in-or-not conversation with the device: a line in, a Reply out."""

    @abstractmethod
    def greet(self, now: float) -> Reply:
        """What the device says when the connection opens (banner, login prompt)."""

    @abstractmethod
    def handle_line(self, line: str, now: float) -> Reply:
        """Interpret one input line (without its line end)."""

    def command_key(self, line: str) -> str:
        """The name fault-plan command matching uses for this line (e.g. ``/s``, ``login``)."""
        return line.strip().split(" ", 1)[0].split(",", 1)[0].lower()

    def closed(self, now: float) -> None:  # noqa: B027 - optional hook
        """The connection went away (hang-up, logout, drop)."""

    def timed_out(self, now: float) -> Reply:
        """Nothing typed for the model's ``idle_timeout`` seconds: what the device says as it hangs up."""
        return Reply("\r\nSession timed out.\r\n", close=True)


class DeviceModel(ABC):
    """A device: state, a fault plan, sessions, and relays (outlets/ports) that may switch later."""

    kind: ClassVar[str]
    faults: FaultPlan
    idle_timeout: float = 0.0  # seconds without input before a session is hung up (0: never)
    events: EventSink = NO_EVENTS  # ground truth beyond outlets (port changes, writes): the server sets it

    @abstractmethod
    def open_session(self, now: float, transport: str, user: str | None = None) -> Session:
        """A new session; ``user`` is set when the transport already authenticated it (ssh)."""

    def check_login(self, username: str, password: str) -> bool:
        """Credentials check for transports that authenticate themselves (ssh)."""
        return False

    @abstractmethod
    def advance(self, now: float) -> list[PowerEvent]:
        """Apply every transition due by ``now``; return the relay changes that happened."""

    @abstractmethod
    def next_due(self) -> float | None:
        """When the next pending transition falls due (None: nothing pending)."""

    @abstractmethod
    def outlet_states(self) -> Mapping[str, bool]:
        """The actual relay state of each outlet/port (what wiring follows)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Device facts for the ready line (credentials, plugs/ports, ...)."""

    def control(self, request: Mapping[str, Any], now: float) -> dict[str, Any]:
        """A run-time control request (the runner reads them as JSON lines on stdin). Common commands:
        ``{"cmd": "fault", "fault": {...}}`` adds a fault, ``{"cmd": "clear-faults"}``, ``{"cmd": "state"}``
        (the truth: describe()). Devices extend this (the NPS adds ``power``)."""
        cmd = request.get("cmd")
        if cmd == "fault":
            try:
                self.faults.add(fault_from_mapping(request.get("fault") or {}))
            except (FaultError, AttributeError, TypeError) as err:
                return {"ok": False, "error": str(err)}
            return {"ok": True}
        if cmd == "clear-faults":
            self.faults.clear()
            return {"ok": True}
        if cmd == "state":
            return {"ok": True, **self.describe()}
        return {"ok": False, "error": f"unknown command {cmd!r}"}


class Relay(Protocol):
    on: bool


class RelaySchedule:
    """Pending relay transitions with due times; per outlet they happen in the order they were asked for."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str, bool]] = []
        self._last_due: dict[str, float] = {}
        self._seq = 0

    def schedule(self, outlet: str, on: bool, now: float, delay: float) -> float:
        start = max(now, self._last_due.get(outlet, now))
        due = start + max(delay, 0.0)
        self._last_due[outlet] = due
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, outlet, on))
        return due

    def pop_due(self, now: float) -> list[tuple[str, bool, float]]:
        out = []
        while self._heap and self._heap[0][0] <= now:
            due, _, outlet, on = heapq.heappop(self._heap)
            out.append((outlet, on, due))
        return out

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def switch_due(self, now: float, relay: Callable[[str], Relay]) -> list[PowerEvent]:
        """Apply every transition due by ``now`` to ``relay(outlet).on``; the real changes, as events."""
        events = []
        for outlet, on, due in self.pop_due(now):
            target = relay(outlet)
            if target.on != on:
                target.on = on
                events.append(PowerEvent(outlet, on, due))
        return events

    def pending(self, outlet: str) -> bool:
        return any(o == outlet for _, _, o, _ in self._heap)

    def __len__(self) -> int:
        return len(self._heap)
