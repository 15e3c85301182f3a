"""One ComputerSystem's power: reset types, PoweringOn/PoweringOff during configurable delays, a lagging
PowerState, refusals a vendor profile asks for. Pure: time comes in as ``now``.

The relay (what the wiring follows) switches when a transition falls due; until then PowerState says
``PoweringOn`` / ``PoweringOff``. ``ForceRestart`` and ``PowerCycle`` cut power at once and come back after
``cycle_off_time + power_on_delay``; a restart of a system that is off powers it on (unless the profile
refuses resets while off, as iLO does). With ``state_lag`` the reported PowerState is the one of ``state_lag``
seconds ago (a BMC that is slow to notice, as users report for some iDRACs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from emulators.base.power import PowerEvent

ALL_RESET_TYPES = (
    "On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "ForceOn",
    "PushPowerButton", "PowerCycle",
)  # fmt: skip
ALLOWED_WHILE_OFF = frozenset({"On", "ForceOn", "PushPowerButton"})


@dataclass(frozen=True)
class PowerTiming:
    power_on_delay: float = 0.0  # On/ForceOn: PoweringOn for this long
    power_off_delay: float = 0.0  # ForceOff: PoweringOff for this long
    shutdown_delay: float = 0.0  # GracefulShutdown/GracefulRestart: the OS takes this long to stop
    cycle_off_time: float = 0.0  # ForceRestart/PowerCycle: power stays off this long
    state_lag: float = 0.0  # PowerState reports the state of this many seconds ago


class ResetRefused(Exception):
    """The system refuses this reset in its present state (``reason`` names the state)."""

    def __init__(self, reset_type: str, state: str) -> None:
        super().__init__(f"{reset_type} refused while {state}")
        self.reset_type, self.state = reset_type, state


@dataclass
class SystemPower:
    """The power rail of one system; ``outlet`` is its name for the wiring (the system Id)."""

    outlet: str
    powered: bool = True
    timing: PowerTiming = field(default_factory=PowerTiming)
    refuse_while_off: bool = False  # iLO-style: only On/ForceOn/PushPowerButton while off
    stuck: bool = False  # set by the model from the fault plan before each reset
    resets: dict[str, int] = field(default_factory=dict)
    nmis: int = 0
    _pending: list[tuple[float, bool]] = field(default_factory=list)  # (due, on), in order
    _history: list[tuple[float, str]] = field(default_factory=list)  # (since, PowerState)
    _events: list[PowerEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._history.append((float("-inf"), self._state_now()))

    # -- reading ----------------------------------------------------------------------------------------
    def _state_now(self) -> str:
        if self._pending:
            return "PoweringOn" if self._pending[-1][1] else "PoweringOff"
        return "On" if self.powered else "Off"

    def power_state(self, now: float) -> str:
        """What the BMC reports: the state of ``state_lag`` seconds ago."""
        self.apply(now)
        seen = now - self.timing.state_lag
        state = self._history[0][1]
        for since, value in self._history:
            if since <= seen:
                state = value
        return state

    def next_due(self) -> float | None:
        return self._pending[0][0] if self._pending else None

    def busy(self, now: float) -> bool:
        """A transition is still under way at ``now``."""
        self.apply(now)
        return bool(self._pending)

    # -- time ---------------------------------------------------------------------------------------------
    def apply(self, now: float) -> None:
        """Complete the transitions due by ``now``; their relay changes wait in the event list."""
        while self._pending and self._pending[0][0] <= now:
            due, on = self._pending.pop(0)
            self._switch(on, due)

    def advance(self, now: float) -> list[PowerEvent]:
        """Apply what is due and hand over every relay change since the last call (for the wiring)."""
        self.apply(now)
        events, self._events = self._events, []
        return events

    # -- commands -----------------------------------------------------------------------------------------
    def reset(self, reset_type: str, now: float) -> None:
        """Apply an accepted reset type (AllowableValues were checked by the caller)."""
        self.apply(now)
        if self.refuse_while_off and not self.powered and reset_type not in ALLOWED_WHILE_OFF:
            raise ResetRefused(reset_type, "Off")
        self.resets[reset_type] = self.resets.get(reset_type, 0) + 1
        if reset_type == "Nmi":
            self.nmis += 1
            return
        if self.stuck:
            return  # the BMC says yes; the relay does not move
        t = self.timing
        if reset_type == "PushPowerButton":
            reset_type = "GracefulShutdown" if self.powered else "On"
        if reset_type in ("On", "ForceOn"):
            if not self.powered and not self._pending:
                self._schedule(now, now + t.power_on_delay, True)
        elif reset_type == "ForceOff":
            self._pending.clear()
            self._schedule(now, now + t.power_off_delay, False)
        elif reset_type == "GracefulShutdown":
            if self.powered:
                self._schedule(now, now + t.shutdown_delay, False)
        elif not self.powered and not self._pending:  # a restart of a machine that is off starts it
            self._schedule(now, now + t.power_on_delay, True)
        elif reset_type == "GracefulRestart":
            off_at = now + t.shutdown_delay
            self._schedule(now, off_at, False)
            self._schedule(now, off_at + t.cycle_off_time + t.power_on_delay, True)
        elif reset_type in ("ForceRestart", "PowerCycle"):
            self._pending.clear()
            self._switch(False, now)
            self._schedule(now, now + t.cycle_off_time + t.power_on_delay, True)
        self.apply(now)

    def set_powered(self, on: bool, now: float) -> None:
        """Ground truth from outside (a control request): the rail switches at once."""
        self._pending.clear()
        self._switch(on, now)

    # -- internals ----------------------------------------------------------------------------------------
    def _schedule(self, now: float, due: float, on: bool) -> None:
        self._pending.append((due, on))
        self._note(now)

    def _switch(self, on: bool, at: float) -> None:
        if on != self.powered:
            self.powered = on
            self._events.append(PowerEvent(self.outlet, on, at))
        self._note(at)

    def _note(self, at: float) -> None:
        state = self._state_now()
        if self._history[-1][1] != state:
            self._history.append((at, state))
            del self._history[:-64]  # a lag of minutes needs only the last few changes
