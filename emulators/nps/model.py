"""The NPS power switch model: plugs, groups, relays with delays, and the command interpreter. Pure."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators.base.faults import FaultPlan
from emulators.base.model import DeviceModel, RelaySchedule, Session
from emulators.base.wiring import PowerEvent
from emulators.nps import screens

PROMPTS = ("NPS>", "RSM>", "MPC>", "IPS>", "TPS>", "NBB>", "VMR>")


@dataclass
class Plug:
    number: int
    name: str
    on: bool = True
    boot_delay: float = 0.5
    default_on: bool = True


@dataclass
class NpsSettings:
    plugs: list[Plug] = field(default_factory=lambda: [Plug(n, f"Outlet{n}") for n in range(1, 9)])
    groups: dict[str, list[int]] = field(default_factory=dict)
    password: str = "redhat123"  # password-only login (classic NPS) when `users` is empty
    users: dict[str, str] = field(default_factory=dict)  # user -> password (IPS/RPC style login)
    prompt: str = "NPS>"
    model: str = "NPS-115"
    firmware: str = "1.43"
    site_id: str = "(undefined)"
    relay_delay: float = 0.5  # command -> relay switches
    login_attempts: int = 3  # wrong passwords before the unit hangs up
    page_rows: int = 16  # plug rows per /S page (0: never page)
    single_session: bool = False
    username_prompt: str = "Login: "
    idle_timeout: float = 0.0  # seconds without input before the unit hangs up (0: never)


class Action(enum.Enum):
    ON = "on"
    OFF = "off"
    BOOT = "boot"


class PlugError(ValueError):
    pass


def _number(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, int("²") is not


class NpsModel(DeviceModel):
    kind = "nps"

    def __init__(self, settings: NpsSettings | None = None, faults: FaultPlan | None = None) -> None:
        self.settings = settings or NpsSettings()
        self.faults = faults if faults is not None else FaultPlan()
        self.plugs = {p.number: p for p in self.settings.plugs}
        self.schedule = RelaySchedule()
        self.events: list[PowerEvent] = []
        self.sessions = 0
        self._rows_cache: tuple[tuple[bool, ...], list[str]] | None = None
        self.idle_timeout = self.settings.idle_timeout

    # -- relays --------------------------------------------------------------------------------------------
    def resolve_due(self, now: float) -> None:
        """Switch every relay whose transition is due by ``now``; the events wait for ``advance``."""
        for outlet, on, due in self.schedule.pop_due(now):
            plug = self.plugs[int(outlet)]
            if plug.on != on:
                plug.on = on
                self.events.append(PowerEvent(outlet, on, due))

    def advance(self, now: float) -> list[PowerEvent]:
        self.resolve_due(now)
        events, self.events = self.events, []
        return events

    def next_due(self) -> float | None:
        return self.schedule.next_due()

    def outlet_states(self) -> Mapping[str, bool]:
        return {str(n): p.on for n, p in self.plugs.items()}

    def reported_on(self, plug: Plug) -> bool:
        return self.faults.reported(str(plug.number), plug.on)

    def request(self, numbers: list[int], action: Action, now: float) -> None:
        """Queue relay work; a stuck relay accepts the command and does nothing."""
        delay = self.settings.relay_delay
        for n in numbers:
            outlet = str(n)
            if self.faults.is_stuck(outlet):
                continue
            if action is Action.BOOT:
                off_due = self.schedule.schedule(outlet, False, now, delay)
                self.schedule.schedule(outlet, True, off_due, self.plugs[n].boot_delay)
            else:
                self.schedule.schedule(outlet, action is Action.ON, now, delay)
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
        for group, members in self.settings.groups.items():
            if group.lower() == low:
                return list(members)
        raise PlugError(item)

    # -- sessions and login --------------------------------------------------------------------------------
    def open_session(self, now: float, transport: str, user: str | None = None) -> Session:
        from emulators.nps.session import NpsSession

        busy = self.settings.single_session and self.sessions > 0
        if not busy:
            self.sessions += 1
        return NpsSession(self, authenticated=user is not None, busy=busy)

    def session_closed(self) -> None:
        self.sessions = max(0, self.sessions - 1)

    def check_login(self, username: str, password: str) -> bool:
        if self.settings.users:
            return self.settings.users.get(username) == password
        return password == self.settings.password

    def describe(self) -> dict[str, Any]:
        s = self.settings
        if s.users:
            user, password = next(iter(s.users.items()))
            creds: dict[str, Any] = {"username": user, "password": password, "users": dict(s.users)}
        else:
            creds = {"username": None, "password": s.password}
        return {
            "credentials": creds,
            "prompt": s.prompt,
            "model": s.model,
            "firmware": s.firmware,
            "plugs": [
                {"number": p.number, "name": p.name, "state": "on" if p.on else "off"}
                for p in self.plugs.values()
            ],
            "groups": {g: list(m) for g, m in s.groups.items()},
        }

    def control(self, request: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Adds ``{"cmd": "power", "plug": "1", "on": false}``: work a plug as from the front panel."""
        if request.get("cmd") != "power":
            return super().control(request, now)
        try:
            numbers = self.resolve(str(request.get("plug", "")))
        except PlugError as err:
            return {"ok": False, "error": f"no plug {err.args[0]!r}"}
        self.request(numbers, Action.ON if request.get("on") else Action.OFF, now)
        return {"ok": True}

    # -- screens -------------------------------------------------------------------------------------------
    def banner(self) -> str:
        return screens.banner(self.settings.model, self.settings.firmware, self.settings.site_id)

    def status_lines(self) -> tuple[list[str], list[str]]:
        """(/S header lines, one row per plug). Rows are re-rendered only when a reported state changed
        (/S is what every agent polls)."""
        states = tuple(self.reported_on(p) for p in self.plugs.values())
        if self._rows_cache is None or self._rows_cache[0] != states:
            rows = [
                screens.status_row(screens.PlugRow(p.number, p.name, on, p.boot_delay, p.default_on))
                for p, on in zip(self.plugs.values(), states, strict=True)
            ]
            self._rows_cache = (states, rows)
        return screens.status_header(self.settings.firmware, self.settings.site_id), list(self._rows_cache[1])

    def group_lines(self) -> list[str]:
        groups = [
            (name, [(n, self.reported_on(self.plugs[n])) for n in members])
            for name, members in self.settings.groups.items()
        ]
        return screens.group_table(groups)

    def prompt(self) -> str:
        """The command prompt as shown (a wrong-prompt fault replaces it)."""
        return self.faults.prompt(self.settings.prompt)
