"""The NPS unit as one device model: the power switch, its terminal sessions, and the facts of the unit.

Built like the SAN emulator: the switch state (switch.py), the CLI sessions over it (session.py), and this
model composing them for the base DeviceServer (sessions count for single-session units, login, control
requests, the ready line). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulators.base.faults import FaultPlan
from emulators.base.model import DeviceModel, Session
from emulators.base.power import PowerEvent
from emulators.nps.session import Display, NpsSession
from emulators.nps.settings import PROMPTS, NpsSettings, Plug
from emulators.nps.switch import Action, PlugError, PowerSwitch

__all__ = ["PROMPTS", "Action", "NpsModel", "NpsSettings", "Plug", "PlugError"]


class NpsModel(DeviceModel):
    kind = "nps"

    def __init__(self, settings: NpsSettings | None = None, faults: FaultPlan | None = None) -> None:
        self.settings = settings or NpsSettings()
        self.faults = faults if faults is not None else FaultPlan()
        self.switch = PowerSwitch(
            self.settings.plugs, self.settings.groups, self.settings.relay_delay, self.faults
        )
        self.display = Display(self.switch, self.settings, self.faults)
        self.sessions = 0
        self.idle_timeout = self.settings.idle_timeout

    @property
    def plugs(self) -> dict[int, Plug]:
        return self.switch.plugs

    # -- DeviceModel ---------------------------------------------------------------------------------------
    def advance(self, now: float) -> list[PowerEvent]:
        return self.switch.take_events(now)

    def next_due(self) -> float | None:
        return self.switch.next_due()

    def outlet_states(self) -> Mapping[str, bool]:
        return self.switch.outlet_states()

    def open_session(self, now: float, transport: str, user: str | None = None) -> Session:
        busy = self.settings.single_session and self.sessions > 0
        if not busy:
            self.sessions += 1
        return NpsSession(
            self.switch,
            self.settings,
            self.display,
            refuse_login=self.faults.refuse_login,
            on_close=self._session_closed,
            authenticated=user is not None,
            busy=busy,
        )

    def _session_closed(self) -> None:
        self.sessions = max(0, self.sessions - 1)

    def check_login(self, username: str, password: str) -> bool:
        return self.settings.check_login(username, password)

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
                for p in self.switch.plugs.values()
            ],
            "groups": {g: list(m) for g, m in s.groups.items()},
        }

    def control(self, request: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Adds ``{"cmd": "power", "plug": "1", "on": false}``: work a plug as from the front panel."""
        if request.get("cmd") != "power":
            return super().control(request, now)
        try:
            numbers = self.switch.resolve(str(request.get("plug", "")))
        except PlugError as err:
            return {"ok": False, "error": f"no plug {err.args[0]!r}"}
        self.switch.request(numbers, Action.ON if request.get("on") else Action.OFF, now)
        return {"ok": True}
