"""Configuration of emulated BMCs: the TOML/flag form for a fleet, the JSON form a worker process reads.

TOML (``fencelab emulate bmc --config FILE``); every key is optional; top-level keys are defaults for all
BMCs::

    kind = "bmc"
    host = "127.0.0.1"
    count = 2                      # BMCs named bmc1..bmcN (or list them under [[bmcs]])
    power_on_delay = 0.0           # seconds from "power on" to the chassis reporting on
    cycle_off_time = 0.0           # seconds a power cycle keeps the chassis off
    soft_off_delay = 0.0           # seconds an ACPI soft-off takes
    powered = true                 # initial chassis state
    session_timeout = 60.0         # idle RMCP+ sessions are forgotten after this
    kg = "..."                     # BMC key; absent = the user's password (the common factory setting)
    cipher_suites = [17, 3]        # RMCP+ suites offered, in order of preference (3 only: an older BMC)
    [users]
    admin = { password = "password", privilege = "administrator" }
    viewer = { password = "viewer", privilege = "user" }
    [[faults]]                     # see emulators/base/faults.py
    kind = "latency"
    command = "status"             # status, on, off, cycle, reset, diag, soft, mc_info, login, *
    seconds = 0.5
    [[bmcs]]                       # per-BMC overrides: name, port, powered, target, faults, timings...
    name = "node1"
    target = "sleep 1000"          # a process the chassis powers (wiring)

Passwords travel to a worker inside the JSON on its stdin, never on a command line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from emulators.base.config import ConfigError, Table, command_argv, faults_from
from emulators.base.faults import FaultSpec, fault_from_mapping
from emulators.bmc.chassis import ChassisTiming
from emulators.bmc.rmcpplus import DEFAULT_SUITES, SUITES, Privilege

DEFAULT_USERS: dict[str, tuple[str, Privilege]] = {"admin": ("password", Privilege.ADMINISTRATOR)}
MAX_BMCS = 256


@dataclass
class BmcConfig:
    name: str = "bmc1"
    address: str = "127.0.0.1"
    port: int = 0  # 0 = any free port, reported in the ready line
    users: dict[str, tuple[str, Privilege]] = field(default_factory=lambda: dict(DEFAULT_USERS))
    powered: bool = True
    timing: ChassisTiming = field(default_factory=ChassisTiming)
    session_timeout: float = 60.0
    kg: str | None = None
    faults: list[FaultSpec] = field(default_factory=list)
    target: list[str] = field(default_factory=list)  # argv of the process the chassis powers
    events: str | None = None  # event file (docs/events.md) the worker appends chassis changes to
    cipher_suites: list[int] = field(default_factory=lambda: list(DEFAULT_SUITES))

    def to_json(self) -> str:
        t = self.timing
        return json.dumps({
            "name": self.name, "address": self.address, "port": self.port,
            "users": {n: [pw, priv.name.lower()] for n, (pw, priv) in self.users.items()},
            "powered": self.powered, "session_timeout": self.session_timeout, "kg": self.kg,
            "timing": [t.power_on_delay, t.cycle_off_time, t.soft_off_delay],
            "faults": [
                {"kind": f.kind.value, "command": f.command, "seconds": f.seconds, "plugs": list(f.plugs),
                 "state": f.state, "after": f.after, "times": f.times}
                for f in self.faults
            ],
            "target": self.target, "events": self.events, "cipher_suites": self.cipher_suites,
        })  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> BmcConfig:
        data = json.loads(text)
        return cls(
            name=data["name"],
            address=data["address"],
            port=data["port"],
            users={n: (pw, Privilege.parse(p)) for n, (pw, p) in data["users"].items()},
            powered=data["powered"],
            timing=ChassisTiming(*data["timing"]),
            session_timeout=data["session_timeout"],
            kg=data["kg"],
            faults=[fault_from_mapping(f) for f in data["faults"]],
            target=list(data["target"]),
            events=data.get("events"),
            cipher_suites=list(data.get("cipher_suites", DEFAULT_SUITES)),
        )


def parse_user(text: str) -> tuple[str, tuple[str, Privilege]]:
    """``NAME:PASSWORD[:PRIVILEGE]`` from a flag (privilege defaults to administrator)."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        raise ConfigError(f"--user {parts[0]!r}: expected NAME:PASSWORD[:PRIVILEGE]")
    try:
        priv = Privilege.parse(parts[2]) if len(parts) == 3 else Privilege.ADMINISTRATOR
    except ValueError as err:
        raise ConfigError(f"--user {parts[0]}: {err}") from None
    return parts[0], (parts[1], priv)


def _users(raw: Any, where: str) -> dict[str, tuple[str, Privilege]]:
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"{where}.users must be a non-empty table of name = {{password, privilege}}")
    users: dict[str, tuple[str, Privilege]] = {}
    for name, value in raw.items():
        entry = Table(value if isinstance(value, Mapping) else {"password": value}, f"{where}.users.{name}")
        password = entry.get("password", str, "")
        try:
            priv = Privilege.parse(entry.get("privilege", str, "administrator"))
        except ValueError as err:
            raise ConfigError(f"{where}.users.{name}: {err}") from None
        entry.finish()
        users[str(name)] = (password, priv)
    return users


def _seconds(table: Table, key: str, default: float) -> float:
    value = table.get(key, float, default)
    if value < 0:
        raise ConfigError(f"{table.where}.{key} must not be negative")
    return value


def _one(table: Table, base: BmcConfig, flags: Sequence[str] = ()) -> BmcConfig:
    """Read the BMC keys of ``table`` on top of ``base`` (the fleet-wide defaults)."""
    t = base.timing
    host = table.get("host", str, base.address)
    if host in ("::", "0.0.0.0", ""):
        raise ConfigError(
            f"{table.where}.host: refusing to bind to {host!r}: give a loopback or host address"
        )
    port = table.get("port", int, base.port)
    if not 0 <= port <= 65535:
        raise ConfigError(f"{table.where}.port must be 0..65535 (0 = any free port)")
    target = table.raw("target", None)
    faults = list(base.faults) + faults_from(table, flags).specs
    kg = table.get("kg", str, base.kg or "") or None
    return BmcConfig(
        name=table.get("name", str, base.name),
        address=host,
        port=port,
        users=_users(table.raw("users"), table.where) if "users" in table.data else dict(base.users),
        powered=table.get("powered", bool, base.powered),
        timing=ChassisTiming(
            power_on_delay=_seconds(table, "power_on_delay", t.power_on_delay),
            cycle_off_time=_seconds(table, "cycle_off_time", t.cycle_off_time),
            soft_off_delay=_seconds(table, "soft_off_delay", t.soft_off_delay),
        ),
        session_timeout=_seconds(table, "session_timeout", base.session_timeout),
        kg=kg,
        faults=faults,
        target=command_argv(target, f"{table.where}.target") if target is not None else list(base.target),
        cipher_suites=_suites(table, base.cipher_suites),
    )


def _suites(table: Table, default: list[int]) -> list[int]:
    raw = table.raw("cipher_suites", None)
    if raw is None:
        return list(default)
    offered = sorted(SUITES)
    if not isinstance(raw, list) or not raw or any(type(n) is not int or n not in SUITES for n in raw):
        raise ConfigError(f"{table.where}.cipher_suites must be a non-empty list of {offered}")
    return list(dict.fromkeys(raw))


def fleet_from(config: Mapping[str, Any], where: str, fault_flags: Sequence[str] = ()) -> list[BmcConfig]:
    """Every BMC the file (plus flags already written into it) describes, with unique names."""
    top = Table(config, where)
    count = top.get("count", int, 0)
    entries = top.get("bmcs", list, [])
    defaults = _one(top, BmcConfig(), fault_flags)
    top.finish()
    if count < 0 or count > MAX_BMCS:
        raise ConfigError(f"{where}.count must be 1..{MAX_BMCS}")
    if entries and count:
        raise ConfigError(f"{where}: give either count or [[bmcs]], not both")
    if count > 1 and defaults.port:
        raise ConfigError(f"{where}: a fixed port serves one BMC: use port 0 with count > 1")
    if not entries:
        return [_renamed(defaults, f"bmc{i}", i) for i in range(1, max(1, count) + 1)]
    fleet = []
    for i, raw in enumerate(entries, 1):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}.bmcs[{i - 1}] must be a table")
        table = Table(raw, f"{where}.bmcs[{i - 1}]")
        fleet.append(_one(table, _renamed(defaults, f"bmc{i}", i)))
        table.finish()
    names = [b.name for b in fleet]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ConfigError(f"{where}: two BMCs are named {duplicate!r}")
    return fleet


def _renamed(config: BmcConfig, name: str, index: int) -> BmcConfig:
    """A copy for BMC number ``index`` with its own name (and any free port after the first)."""
    copy = BmcConfig.from_json(config.to_json())
    copy.name = name
    if index > 1:
        copy.port = 0
    return copy


def public_users(config: BmcConfig) -> dict[str, Any]:
    """The credentials part of the ready line (test devices: the harness needs the passwords)."""
    name, (password, _) = next(iter(config.users.items()))
    return {
        "username": name,
        "password": password,
        "users": {n: {"password": pw, "privilege": p.name.lower()} for n, (pw, p) in config.users.items()},
    }
