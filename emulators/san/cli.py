"""``fencelab emulate san``: a Brocade-style FC switch (SNMP IF-MIB + CLI over telnet/ssh), the storage array
it guards (NBD, with a write journal), and an APC rPDU over SNMP, sharing one fabric state.

The ready line's ``ports`` holds telnet, ssh, snmp (switch), pdu_snmp and nbd; ``exports`` the NBD export
names (``<host>/<lun>``) and ``journal`` the journal file. See :mod:`emulators.san.config` for the TOML file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from emulators.base.config import ConfigError, parse_wire_flag, wiring_from
from emulators.base.front_ends import device_server
from emulators.base.host import FrontEnd
from emulators.base.runner import DeviceCli, run
from emulators.base.server import DeviceServer
from emulators.san.config import DEFAULT_HOSTS, DEFAULT_PORTS, default_ports, settings_from
from emulators.san.front_ends import NbdFrontEnd, pdu_snmp, switch_snmp
from emulators.san.model import SanModel


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ports", type=int, metavar="N", help=f"switch ports (default {DEFAULT_PORTS})")
    parser.add_argument("--hosts", metavar="A,B", help="hosts on ports 1, 2... (default node1..node4)")
    parser.add_argument("--state-dir", metavar="DIR", help="LUN files + journal (default: temporary)")
    parser.add_argument("--journal", metavar="FILE", help="write journal (default STATE_DIR/journal.jsonl)")
    parser.add_argument("--snmp-port", metavar="PORT", help="switch SNMP port (0 = any, off = none)")
    parser.add_argument("--pdu-port", metavar="PORT", help="PDU SNMP port (0 = any free port, off = none)")
    parser.add_argument("--nbd-port", metavar="PORT", help="NBD port (0 = any free port, off = none)")
    parser.add_argument("--relay-delay", type=float, metavar="S", help="seconds before a PDU relay switches")


def _port_flag(value: str, flag: str) -> int | bool:
    if value.lower() in ("off", "no", "none", "false"):
        return False
    if value.isdigit():
        return int(value)
    raise ConfigError(f"--{flag} must be a port number or 'off'")


def _apply_flags(args: argparse.Namespace, config: dict[str, Any]) -> None:
    if args.ports is not None or args.hosts is not None:
        hosts = tuple(h for h in (args.hosts or ",".join(DEFAULT_HOSTS)).split(",") if h)
        count = args.ports if args.ports is not None else max(DEFAULT_PORTS, len(hosts))
        if count < 1:
            raise ConfigError("--ports must be at least 1")
        config["ports"] = [
            {"index": p.index, "host": p.host, "wwpn": p.wwpn} if p.host else {"index": p.index}
            for p in default_ports(count, hosts)
        ]
    for key in ("state_dir", "journal", "relay_delay"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    for key in ("snmp_port", "pdu_port", "nbd_port"):
        if getattr(args, key) is not None:
            config[key] = _port_flag(getattr(args, key), key.replace("_", "-"))


def build(args: argparse.Namespace, config: dict[str, Any]) -> DeviceServer:
    _apply_flags(args, config)
    wires = dict(parse_wire_flag(w) for w in args.wire)
    settings, faults, listen = settings_from(config, args.config or "config", args.fault)
    outlets = {str(o.number) for o in settings.outlets}
    if not set(wires) <= outlets:
        raise ConfigError(f"--wire: no PDU outlet {sorted(set(wires) - outlets)[0]}")
    extra: list[FrontEnd] = []
    if settings.snmp_port is not None:
        extra.append(switch_snmp(listen.host, settings.snmp_port))
    if settings.pdu_port is not None:
        extra.append(pdu_snmp(listen.host, settings.pdu_port))
    if settings.nbd_port is not None:
        extra.append(NbdFrontEnd(listen.host, settings.nbd_port))
    return device_server(SanModel(settings, faults), listen, wiring_from(wires), extra)


CLI = DeviceCli("san", add_arguments, build, "Emulated SAN: FC switch (SNMP + CLI), NBD storage array, rPDU.")


def main(argv: Sequence[str]) -> int:
    return run(CLI, argv)
