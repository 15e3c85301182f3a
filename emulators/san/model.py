"""The SAN lab as one device model: the fabric switch (CLI sessions), the PDU relays, and their facts.

The base :class:`~emulators.base.server.DeviceServer` drives it: telnet/ssh sessions are Brocade CLI
sessions on the switch; the PDU outlets are the relays the base wiring follows (``--wire 1=...``), so a
host process can be powered by the SNMP PDU exactly as by the NPS. The SNMP agents and the NBD array are
extra front ends (:mod:`emulators.san.front_ends`) over the same objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulators.base.faults import FaultPlan
from emulators.base.model import DeviceModel, Session
from emulators.base.power import PowerEvent
from emulators.san.array import LunSpec
from emulators.san.brocade_cli import BrocadeSession
from emulators.san.rpdu import Outlet, Pdu
from emulators.san.snmp_agent import Access
from emulators.san.switch import Port, PortChange, PortSpec, Switch, UnknownPort


@dataclass
class SanSettings:
    switch_name: str = "sw0"
    ports: list[PortSpec] = field(default_factory=list)
    cli_users: dict[str, str] = field(default_factory=lambda: {"admin": "password"})
    switch_access: Access = field(default_factory=Access)
    pdu_access: Access = field(default_factory=Access)
    outlets: list[Outlet] = field(default_factory=list)
    relay_delay: float = 0.0
    reboot_delay: float = 3.0
    luns: list[LunSpec] = field(default_factory=list)
    state_dir: Path | None = None  # None: a temporary directory, removed when the emulator stops
    journal: Path | None = None
    snmp_port: int | None = 0
    pdu_port: int | None = 0
    nbd_port: int | None = 0


class SanModel(DeviceModel):
    kind = "san"

    def __init__(self, settings: SanSettings, faults: FaultPlan | None = None) -> None:
        self.settings = settings
        self.faults = faults if faults is not None else FaultPlan()
        self.switch = Switch.build(settings.switch_name, settings.ports)
        self.switch.faults = self.faults
        self.pdu = Pdu(settings.outlets, self.faults, settings.relay_delay, settings.reboot_delay)
        self.facts: dict[str, Any] = {}  # front ends add what they serve (exports, journal path)
        self.switch.listeners.append(self._port_changed)

    # -- ground truth for the event stream (docs/events.md) -----------------------------------------------
    def _port_changed(self, port: Port, change: PortChange, via: str) -> None:
        enabled = change is PortChange.ENABLED
        self.events.emit("port", port=port.index, host=port.host, enabled=enabled, via=via)

    def storage_written(self, entry: Mapping[str, Any]) -> None:
        """The array accepted a write (its journal entry): ``journal_seq`` points into the journal file."""
        self.events.emit(
            "write", host=entry["host"], lun=entry["lun"], offset=entry["offset"], length=entry["length"],
            journal_seq=entry["seq"],
        )  # fmt: skip

    def open_session(self, now: float, transport: str, user: str | None = None) -> Session:
        return BrocadeSession(
            self.switch, self.settings.cli_users, user, refuse_login=self.faults.refuse_login
        )

    def check_login(self, username: str, password: str) -> bool:
        return self.settings.cli_users.get(username) == password

    def advance(self, now: float) -> list[PowerEvent]:
        return self.pdu.take_events(now)

    def next_due(self) -> float | None:
        return self.pdu.schedule.next_due()

    def outlet_states(self) -> Mapping[str, bool]:
        return self.pdu.states()

    def control(self, request: Mapping[str, Any], now: float) -> dict[str, Any]:
        """Adds ``{"cmd": "link", "port": 3, "up": false}`` (pull or plug a host's cable: oper status and
        the host's path follow) and ``{"cmd": "reboot"}`` (the switch reboots: persistent disables stay)."""
        cmd = request.get("cmd")
        if cmd == "reboot":
            self.switch.reboot()
            return {"ok": True}
        if cmd != "link":
            return super().control(request, now)
        try:
            port = self.switch.port(int(request.get("port", 0)))
        except (UnknownPort, TypeError, ValueError):
            return {"ok": False, "error": f"no port {request.get('port')!r}"}
        if port.host is None:
            return {"ok": False, "error": f"nothing is wired to port {port.index}"}
        self.switch.set_link(port.index, bool(request.get("up")))
        return {"ok": True}

    def describe(self) -> dict[str, Any]:
        s = self.settings
        user, password = next(iter(s.cli_users.items()), (None, None))
        return {
            "credentials": {"username": user, "password": password},
            "switch": s.switch_name,
            "cli_users": sorted(s.cli_users),
            "communities": {c.name: "rw" if c.writable else "ro" for c in s.switch_access.communities},
            "snmp_users": {  # a test device: the harness and the user need the passphrases to log in
                u.name: {
                    "level": u.level,
                    "auth": u.auth,
                    "auth_key": u.auth_key,
                    "priv": u.priv,
                    "priv_key": u.priv_key,
                    "access": "rw" if u.writable else "ro",
                }
                for u in s.switch_access.users
            },  # fmt: skip
            "switch_ports": [
                {"port": p.index, "name": p.name, "host": p.host, "wwpn": p.wwpn, "enabled": p.enabled}
                for p in self.switch.sorted_ports()
            ],
            "outlets": {str(o.number): o.name for o in s.outlets},
            "outlet_states": {k: "on" if v else "off" for k, v in self.outlet_states().items()},
            **self.facts,
        }
