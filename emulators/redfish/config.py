"""Redfish BMC settings from a TOML table (``fencelab emulate redfish --config bmc.toml``) and flags.

Keys (all optional) beyond the base ones (host, [[faults]]):

    profile = "generic"          # generic | idrac | idrac10 | ilo | openbmc | lagging (profiles.py)
    port = 0                     # the HTTPS (or HTTP) port; 0 = any free port
    tls = true                   # false: plain HTTP
    systems = 1                  # a count (Ids 1..N, or the profile's: System.Embedded.1), or tables:
    # [[systems]]  id = "node1"  name = "Node 1"  host_name = "node1"  powered = true  target = "sleep 1000"
    power_on_delay = 0.0         # PoweringOn lasts this long
    power_off_delay = 0.0        # ForceOff: PoweringOff lasts this long
    shutdown_delay = 0.0         # GracefulShutdown / GracefulRestart
    cycle_off_time = 0.0         # ForceRestart / PowerCycle: off this long
    state_lag = 0.0              # PowerState reports the state of this many seconds ago
    reset_types = ["On", "ForceOff", ...]   # ResetType@Redfish.AllowableValues (others: 400)
    refuse_while_off = false     # iLO: a reset other than On of a powered-off system answers 400
    basic_auth = true            # false: HTTP Basic answers 401 AccessDenied (iDRAC10)
    sessions = true              # false: no SessionService (like sushy-tools)
    session_limit = 16           # sessions beyond it answer 503
    session_timeout = 1800       # idle sessions expire
    reset_response = 204         # 200 | 204 | 202 (a task monitor)
    [users]                      # name = {password, role}; role Administrator | Operator | ReadOnly
    admin = { password = "password", role = "Administrator" }
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from emulators.base.config import ConfigError, Table, command_argv, faults_from, port_setting
from emulators.base.faults import FaultPlan
from emulators.redfish.accounts import ROLE_PRIVILEGES
from emulators.redfish.model import RedfishSettings, SystemSpec
from emulators.redfish.power import ALL_RESET_TYPES, PowerTiming
from emulators.redfish.profiles import PROFILES, profile_defaults

MAX_SYSTEMS = 256
DEFAULT_USERS = {
    "admin": ("password", "Administrator"),
    "operator": ("operator", "Operator"),
    "readonly": ("readonly", "ReadOnly"),
}


@dataclass
class ListenSettings:
    host: str = "127.0.0.1"
    port: int = 0
    tls: bool = True


def _users(table: Table) -> dict[str, tuple[str, str]]:
    raw = table.raw("users")
    if raw is None:
        return dict(DEFAULT_USERS)
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError(f"{table.where}.users must be a table of name = {{password, role}}")
    users: dict[str, tuple[str, str]] = {}
    for name, value in raw.items():
        entry = Table(
            value if isinstance(value, Mapping) else {"password": value}, f"{table.where}.users.{name}"
        )
        password = entry.get("password", str, "")
        role = entry.get("role", str, "Administrator")
        entry.finish()
        if role not in ROLE_PRIVILEGES:
            raise ConfigError(f"{entry.where}.role must be one of {', '.join(ROLE_PRIVILEGES)}")
        users[str(name)] = (password, role)
    return users


def _seconds(table: Table, key: str) -> float:
    value = table.get(key, float, 0.0)
    if value < 0:
        raise ConfigError(f"{table.where}.{key} must not be negative")
    return value


def _systems(table: Table, prefix: str) -> tuple[list[SystemSpec], dict[str, list[str]]]:
    raw = table.raw("systems", 1)
    wires: dict[str, list[str]] = {}
    if isinstance(raw, int) and not isinstance(raw, bool):
        if not 0 <= raw <= MAX_SYSTEMS:  # 0: an enclosure with no system fitted (an empty collection)
            raise ConfigError(f"{table.where}.systems must be 0..{MAX_SYSTEMS}")
        if prefix and not prefix.endswith(".") and raw == 1:
            return [SystemSpec(prefix)], wires  # OpenBMC's single "system"
        return [SystemSpec(f"{prefix or ''}{i}") for i in range(1, raw + 1)], wires
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{table.where}.systems must be a count or a list of tables")
    specs = []
    for i, item in enumerate(raw):
        t = Table(item, f"{table.where}.systems[{i}]")
        sid = t.get("id", str, f"{prefix}{i + 1}")
        if not sid or "/" in sid or sid != sid.strip():
            raise ConfigError(f"{t.where}.id must be a non-empty name without '/'")
        specs.append(
            SystemSpec(sid, t.get("name", str, ""), t.get("powered", bool, True), t.get("host_name", str, ""))
        )
        target = t.raw("target")
        if target is not None:
            wires[sid] = command_argv(target, f"{t.where}.target")
        t.finish()
    ids = [s.id for s in specs]
    dup = next((x for x in ids if ids.count(x) > 1), None)
    if dup:
        raise ConfigError(f"{table.where}: two systems have the id {dup!r}")
    return specs, wires


def settings_from(
    config: dict[str, Any], where: str = "config", fault_flags: Sequence[str] = ()
) -> tuple[RedfishSettings, FaultPlan, ListenSettings, dict[str, list[str]]]:
    """Settings, faults, where to listen, and the processes each system powers."""
    profile = config.get("profile", "generic")
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ConfigError(f"{where}.profile must be one of {', '.join(PROFILES)}")
    preset = profile_defaults(profile)
    # the profile fills in what the file does not say
    t = Table({**{k: v for k, v in preset.items() if k != "system_prefix"}, **config}, where)
    t.get("profile", str, "generic")
    systems, wires = _systems(t, preset["system_prefix"])
    reset_types = t.get("reset_types", list, [])
    bad = [r for r in reset_types if r not in ALL_RESET_TYPES]
    if bad or not reset_types:
        raise ConfigError(
            f"{where}.reset_types: {bad[0] if bad else '(empty)'} is not one of {', '.join(ALL_RESET_TYPES)}"
        )
    reset_response = t.get("reset_response", int, 204)
    if reset_response not in (200, 202, 204):
        raise ConfigError(f"{where}.reset_response must be 200, 202 or 204")
    limit = t.get("session_limit", int, 16)
    if limit < 1:
        raise ConfigError(f"{where}.session_limit must be at least 1")
    settings = RedfishSettings(
        systems=systems,
        users=_users(t),
        timing=PowerTiming(
            power_on_delay=_seconds(t, "power_on_delay"),
            power_off_delay=_seconds(t, "power_off_delay"),
            shutdown_delay=_seconds(t, "shutdown_delay"),
            cycle_off_time=_seconds(t, "cycle_off_time"),
            state_lag=_seconds(t, "state_lag"),
        ),
        profile=profile,
        reset_types=tuple(reset_types),
        refuse_while_off=t.get("refuse_while_off", bool, False),
        basic_auth=t.get("basic_auth", bool, True),
        sessions=t.get("sessions", bool, True),
        session_limit=limit,
        session_timeout=float(t.get("session_timeout", float, 1800.0)),
        session_limit_message=t.get("session_limit_message", str, "SessionLimitExceeded"),
        reset_response=reset_response,
        manufacturer=t.get("manufacturer", str, "fencelab"),
        model=t.get("model", str, "Emulated Redfish BMC"),
    )
    host = t.get("host", str, "127.0.0.1")
    if host in ("", "0.0.0.0", "::"):
        raise ConfigError(f"{where}.host: refusing to bind to {host!r}: give a loopback or host address")
    port = port_setting(t, "port", 0)
    listen = ListenSettings(host, 0 if port is None else port, t.get("tls", bool, True))
    for key in ("telnet_port", "ssh_port", "serial"):
        t.raw(key)  # the runner's common flags: a Redfish BMC has no line front ends
    faults = faults_from(t, fault_flags)
    t.finish()
    return settings, faults, listen, wires
