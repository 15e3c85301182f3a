"""The NPS power switch as pure state: plugs, groups, and relays that switch later than they are told.

The CLI sessions (session.py) and the front-panel control requests (model.py) both work this one object.
No I/O and no clock: time comes in as ``now``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from emulators.base.faults import FaultPlan
from emulators.base.model import RelaySchedule
from emulators.base.power import PowerEvent
from emulators.nps.settings import Plug


class Action(enum.Enum):
    ON = "on"
    OFF = "off"
    BOOT = "boot"


class PlugError(ValueError):
    pass


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, int("²") is not


class PowerSwitch:
    """Plugs by number, named groups, pending relay work; stuck and lie faults from ``faults``."""

    def __init__(
        self, plugs: list[Plug], groups: Mapping[str, list[int]], relay_delay: float, faults: FaultPlan
    ) -> None:
        self.plugs = {p.number: p for p in plugs}
        self.groups = dict(groups)
        self.relay_delay = relay_delay
        self.faults = faults
        self.schedule = RelaySchedule()
        self.events: list[PowerEvent] = []

    # -- relays --------------------------------------------------------------------------------------------
    def resolve_due(self, now: float) -> None:
        """Switch every relay whose transition is due by ``now``; the events wait for ``take_events``."""
        self.events += self.schedule.switch_due(now, lambda outlet: self.plugs[int(outlet)])

    def take_events(self, now: float) -> list[PowerEvent]:
        self.resolve_due(now)
        events, self.events = self.events, []
        return events

    def next_due(self) -> float | None:
        return self.schedule.next_due()

    def outlet_states(self) -> dict[str, bool]:
        return {str(n): p.on for n, p in self.plugs.items()}

    def reported_on(self, plug: Plug) -> bool:
        """What the unit says about a plug: the truth unless a lie fault covers it."""
        return self.faults.reported(str(plug.number), plug.on)

    def request(self, numbers: list[int], action: Action, now: float) -> None:
        """Queue relay work; a stuck relay accepts the command and does nothing."""
        for n in numbers:
            outlet = str(n)
            if self.faults.is_stuck(outlet):
                continue
            if action is Action.BOOT:
                off_due = self.schedule.schedule(outlet, False, now, self.relay_delay)
                self.schedule.schedule(outlet, True, off_due, self.plugs[n].boot_delay)
            else:
                self.schedule.schedule(outlet, action is Action.ON, now, self.relay_delay)
        self.resolve_due(now)

    # -- plug names ----------------------------------------------------------------------------------------
    def resolve(self, spec: str) -> list[int]:
        """``1``, ``1,3``, ``2-4``, ``*``, a plug name or a group name (case-insensitive) -> plug numbers."""
        numbers: list[int] = []
        for item in (s.strip() for s in spec.split(",")):
            if not item:
                raise PlugError(spec)
            numbers.extend(self._resolve_one(item))
        return sorted(set(numbers))

    def _resolve_one(self, item: str) -> list[int]:
        if item == "*":
            return sorted(self.plugs)
        if _number(item):
            if int(item) in self.plugs:
                return [int(item)]
            raise PlugError(item)
        lo, dash, hi = item.partition("-")
        if dash and _number(lo.strip()) and _number(hi.strip()):
            wanted = range(int(lo), int(hi) + 1)
            if not wanted or any(n not in self.plugs for n in wanted):
                raise PlugError(item)
            return list(wanted)
        low = item.lower()
        for plug in self.plugs.values():
            if plug.name.lower() == low:
                return [plug.number]
        for group, members in self.groups.items():
            if group.lower() == low:
                return list(members)
        raise PlugError(item)
