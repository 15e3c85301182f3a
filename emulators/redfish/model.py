"""The Redfish BMC as one device model for the emulator base: settings, systems (each a plug of the
wiring), accounts and sessions, the fault plan, and task monitors of 202-answered resets. Pure.

The HTTP side (``service.Service``) reads and changes this state; the base ``DeviceServer`` follows
``advance``/``next_due`` so that a system's relay switches on time and wired processes are killed or
started. Redfish has no line sessions: the server runs only the HTTP front end.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from emulators.base.faults import FaultPlan
from emulators.base.model import DeviceModel
from emulators.base.model import Session as LineSession
from emulators.base.power import PowerEvent
from emulators.redfish.accounts import Accounts
from emulators.redfish.power import PowerTiming, SystemPower


@dataclass
class SystemSpec:
    id: str
    name: str = ""
    powered: bool = True
    host_name: str = ""  # ComputerSystem.HostName: a cluster node name, matched by agents' plugs


@dataclass
class RedfishSettings:
    systems: list[SystemSpec] = field(default_factory=lambda: [SystemSpec("1")])
    users: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"admin": ("password", "Administrator")}
    )
    timing: PowerTiming = field(default_factory=PowerTiming)
    profile: str = "generic"
    reset_types: tuple[str, ...] = ()
    refuse_while_off: bool = False
    basic_auth: bool = True
    sessions: bool = True  # SessionService present (sushy-tools has none)
    session_limit: int = 16
    session_timeout: float = 1800.0
    session_limit_message: str = "SessionLimitExceeded"  # or RAC0218 (iDRAC)
    reset_response: int = 204  # 200 (a message body), 204, or 202 (a task monitor)
    manufacturer: str = "fencelab"
    model: str = "Emulated Redfish BMC"
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class TaskMonitor:
    id: str
    system: str
    reset_type: str
    started: float
    done: bool = False


class RedfishModel(DeviceModel):
    kind = "redfish"

    def __init__(self, settings: RedfishSettings, faults: FaultPlan | None = None) -> None:
        self.settings = settings
        self.faults = faults if faults is not None else FaultPlan()
        self.systems: dict[str, SystemPower] = {
            s.id: SystemPower(s.id, s.powered, settings.timing, settings.refuse_while_off)
            for s in settings.systems
        }
        self.specs = {s.id: s for s in settings.systems}
        self.accounts = Accounts.of(settings.users, settings.session_timeout, settings.session_limit)
        self.tasks: dict[str, TaskMonitor] = {}
        self.facts: dict[str, Any] = {}  # the front end adds what it serves (scheme, CA file)

    # -- DeviceModel ---------------------------------------------------------------------------------------
    def open_session(self, now: float, transport: str, user: str | None = None) -> LineSession:
        raise NotImplementedError("a Redfish service has no line sessions (telnet/ssh are off)")

    def check_login(self, username: str, password: str) -> bool:
        return self.accounts.check(username, password) is not None

    def advance(self, now: float) -> list[PowerEvent]:
        events: list[PowerEvent] = []
        for system in self.systems.values():
            events += system.advance(now)
        return events

    def next_due(self) -> float | None:
        dues = [d for d in (s.next_due() for s in self.systems.values()) if d is not None]
        return min(dues) if dues else None

    def outlet_states(self) -> Mapping[str, bool]:
        return {sid: s.powered for sid, s in self.systems.items()}

    def reported_state(self, sid: str, now: float) -> str:
        """PowerState as the service reports it: lag applied, then a ``lie`` fault."""
        state = self.systems[sid].power_state(now)
        if state not in ("On", "Off"):
            return state
        on = self.faults.reported(sid, state == "On")
        return "On" if on else "Off"

    def control(self, request: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Adds ``{"cmd": "power", "system": "1", "on": false}`` (ground truth changes at once)."""
        if request.get("cmd") != "power":
            return super().control(request, now)
        sid = str(request.get("system", next(iter(self.systems), "")))
        if sid not in self.systems:
            return {"ok": False, "error": f"no system {sid!r}"}
        self.systems[sid].set_powered(bool(request.get("on")), now)
        return {"ok": True}

    def describe(self) -> dict[str, Any]:
        s = self.settings
        name, (password, _) = next(iter(s.users.items()))
        return {
            "credentials": {"username": name, "password": password},
            "users": {n: {"password": pw, "role": role} for n, (pw, role) in s.users.items()},
            "profile": s.profile,
            "systems": [
                {
                    "id": sid,
                    "name": self.specs[sid].name,
                    "host_name": self.specs[sid].host_name,
                    "uri": f"/redfish/v1/Systems/{sid}",
                    "on": system.powered,
                    "resets": dict(system.resets),
                    "nmis": system.nmis,
                }
                for sid, system in self.systems.items()
            ],
            "sessions": len(self.accounts.sessions),
            **self.facts,
        }
