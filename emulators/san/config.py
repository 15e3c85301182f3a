"""SAN emulator settings from a TOML table (``fencelab emulate san --config lab.toml``) and flags.

Keys (all optional) beyond the base ones (host, telnet_port, ssh_port, [[faults]]):

    switch_name = "sw0"
    snmp_port = 0            # switch SNMP agent (false = off)
    pdu_port = 0             # APC rPDU SNMP agent (false = off)
    nbd_port = 0             # storage array (false = off)
    state_dir = "/var/tmp/san"   # LUN files and journal (default: a temporary one, removed at exit)
    journal = "/var/tmp/san/journal.jsonl"
    relay_delay = 0.0        # PDU relays switch this long after a command
    reboot_delay = 3.0       # PDU immediateReboot: off for this long
    communities = ["public", "private:rw"]
    [users]                  # CLI (telnet/ssh) logins
    admin = "password"
    [[snmp_users]]           # SNMPv3 USM users
    name = "admin"  auth = "sha"  auth_key = "..."  priv = "aes"  priv_key = "..."  writable = true
    [[ports]]                # switch ports; default 8 ports, node1..node4 on ports 1..4
    index = 1  host = "node1"  wwpn = "10:00:00:00:c9:00:00:01"  name = "port1"
    [[luns]]
    name = "lun0"  size_mb = 64  path = "..."
    [[outlets]]              # PDU outlets; default 8, named after the hosts
    number = 1  name = "node1"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from emulators.base.config import ConfigError, Table, faults_from, listen_from, port_setting
from emulators.base.faults import FaultPlan
from emulators.base.front_ends import Listen
from emulators.san.array import LunSpec
from emulators.san.model import SanSettings
from emulators.san.rpdu import Outlet
from emulators.san.snmp_agent import AUTH_PROTOCOLS, PRIV_PROTOCOLS, Access, UsmUser, parse_communities
from emulators.san.switch import PortSpec

DEFAULT_PORTS = 8
DEFAULT_HOSTS = ("node1", "node2", "node3", "node4")
DEFAULT_USM = (
    UsmUser("admin", "sha", "fencelab-auth", "aes", "fencelab-priv", writable=True),
    UsmUser("admin-md5", "md5", "fencelab-auth", "des", "fencelab-priv", writable=True),
    UsmUser("monitor", "sha", "fencelab-auth", "aes", "fencelab-priv", writable=False),
)


def wwpn_for(index: int) -> str:
    return f"10:00:00:00:c9:00:00:{index:02x}"


def default_ports(count: int, hosts: Sequence[str]) -> list[PortSpec]:
    if len(hosts) > count:
        raise ConfigError(f"{len(hosts)} hosts do not fit on {count} ports")
    return [
        PortSpec(
            i, host=hosts[i - 1] if i <= len(hosts) else None, wwpn=wwpn_for(i) if i <= len(hosts) else None
        )
        for i in range(1, count + 1)
    ]


def _ports(table: Table) -> list[PortSpec]:
    items = table.get("ports", list, [])
    if not items:
        return default_ports(DEFAULT_PORTS, DEFAULT_HOSTS)
    out = []
    for i, item in enumerate(items):
        t = Table(item, f"{table.where}.ports[{i}]")
        index = t.get("index", int, i + 1)
        host = t.raw("host")
        out.append(PortSpec(index, t.raw("name"), host, t.raw("wwpn") or (wwpn_for(index) if host else None)))
        t.finish()
    return out


def _usm_users(table: Table) -> tuple[UsmUser, ...]:
    items = table.get("snmp_users", list, [])
    if not items:
        return DEFAULT_USM
    users = []
    for i, item in enumerate(items):
        t = Table(item, f"{table.where}.snmp_users[{i}]")
        user = UsmUser(
            t.get("name", str, ""),
            t.get("auth", str, "sha").lower(),
            t.get("auth_key", str, ""),
            t.get("priv", str, "aes").lower(),
            t.get("priv_key", str, ""),
            t.get("writable", bool, True),
        )
        t.finish()
        if not user.name or user.auth not in AUTH_PROTOCOLS or user.priv not in PRIV_PROTOCOLS:
            raise ConfigError(f"{t.where}: needs a name, auth none|md5|sha and priv none|des|aes")
        if (user.auth != "none" and len(user.auth_key) < 8) or (
            user.priv != "none" and len(user.priv_key) < 8
        ):
            raise ConfigError(f"{t.where}: SNMPv3 keys must be at least 8 characters")
        users.append(user)
    return tuple(users)


def _luns(table: Table) -> list[LunSpec]:
    items = table.get("luns", list, [])
    if not items:
        return [LunSpec("lun0", 64 << 20)]
    out = []
    for i, item in enumerate(items):
        t = Table(item, f"{table.where}.luns[{i}]")
        size_mb = t.get("size_mb", int, 64)
        if size_mb <= 0:
            raise ConfigError(f"{t.where}.size_mb must be positive")
        out.append(LunSpec(t.get("name", str, f"lun{i}"), size_mb << 20, t.raw("path")))
        t.finish()
    return out


def _outlets(table: Table, ports: list[PortSpec]) -> list[Outlet]:
    items = table.get("outlets", list, [])
    if not items:
        hosts = [p.host for p in ports if p.host]
        return [
            Outlet(n, hosts[n - 1] if n <= len(hosts) else f"outlet{n}") for n in range(1, DEFAULT_PORTS + 1)
        ]
    out = []
    for i, item in enumerate(items):
        t = Table(item, f"{table.where}.outlets[{i}]")
        number = t.get("number", int, i + 1)
        out.append(Outlet(number, t.get("name", str, f"outlet{number}"), t.get("on", bool, True)))
        t.finish()
    return out


def settings_from(
    config: Mapping[str, Any], where: str, fault_flags: Sequence[str]
) -> tuple[SanSettings, FaultPlan, Listen]:
    table = Table(config, where)
    listen = listen_from(table)
    faults = faults_from(table, fault_flags)
    ports = _ports(table)
    communities = parse_communities(table.get("communities", list, ["public", "private:rw"]))
    state_dir = table.raw("state_dir")
    users = table.get("users", dict, {"admin": "password"})
    if not all(isinstance(v, str) for v in users.values()):
        raise ConfigError(f"{where}.users: passwords must be strings")
    journal = table.raw("journal")
    settings = SanSettings(
        switch_name=table.get("switch_name", str, "sw0"),
        ports=ports,
        cli_users=dict(users),
        switch_access=Access(communities, _usm_users(table)),
        pdu_access=Access(communities, _usm_users(table)),
        outlets=_outlets(table, ports),
        relay_delay=table.get("relay_delay", float, 0.0),
        reboot_delay=table.get("reboot_delay", float, 3.0),
        luns=_luns(table),
        state_dir=Path(state_dir) if state_dir else None,
        journal=Path(journal) if journal else None,
        snmp_port=port_setting(table, "snmp_port", 0),
        pdu_port=port_setting(table, "pdu_port", 0),
        nbd_port=port_setting(table, "nbd_port", 0),
    )
    table.finish()
    return settings, faults, listen
