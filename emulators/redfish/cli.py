"""``fencelab emulate redfish``: a Redfish BMC (HTTPS, sessions, roles) with one or many systems.

Ready line: ``{"device": "redfish", "host", "ports": {"https": P}, "url", "scheme", "ca_file",
"credentials", "users", "profile", "systems": [{"id", "uri", "on", ...}], "pid", ...}``. Control requests on
stdin as for every device, plus ``{"cmd": "power", "system": "1", "on": false}``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from emulators.base.config import ConfigError, parse_wire_flag, wiring_from
from emulators.base.runner import DeviceCli, run
from emulators.base.server import DeviceServer
from emulators.redfish.config import settings_from
from emulators.redfish.front_end import RedfishFrontEnd
from emulators.redfish.model import RedfishModel
from emulators.redfish.profiles import PROFILES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, metavar="PORT", help="HTTPS port (default 0: any free port)")
    parser.add_argument("--http", action="store_true", default=None, help="plain HTTP instead of HTTPS")
    parser.add_argument("--systems", type=int, metavar="N", help="number of systems (default 1)")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="vendor quirks (default generic)")
    parser.add_argument("--power-on-delay", type=float, metavar="S", help="seconds a system stays PoweringOn")
    parser.add_argument(
        "--power-off-delay", type=float, metavar="S", help="seconds ForceOff stays PoweringOff"
    )
    parser.add_argument("--reset-response", type=int, choices=(200, 202, 204), help="answer to a reset")
    parser.add_argument("--no-basic-auth", action="store_true", default=None, help="refuse HTTP Basic")
    parser.add_argument("--off", metavar="IDS", help="systems that start powered off, e.g. 1,2")


def _apply_flags(args: argparse.Namespace, config: dict[str, Any]) -> None:
    simple = {
        "port": args.port,
        "systems": args.systems,
        "profile": args.profile,
        "power_on_delay": args.power_on_delay,
        "power_off_delay": args.power_off_delay,
        "reset_response": args.reset_response,
    }
    config.update({k: v for k, v in simple.items() if v is not None})
    if args.http:
        config["tls"] = False
    if args.no_basic_auth:
        config["basic_auth"] = False


def build(args: argparse.Namespace, config: dict[str, Any]) -> DeviceServer:
    _apply_flags(args, config)
    settings, faults, listen, wires = settings_from(config, args.config or "config", args.fault)
    ids = {s.id for s in settings.systems}
    for text in args.wire:
        name, argv = parse_wire_flag(text)
        if name not in ids:
            raise ConfigError(f"--wire {name}: no system of that id (have {', '.join(sorted(ids))})")
        wires[name] = argv
    if args.off:
        off = {s.strip() for s in args.off.split(",") if s.strip()}
        if not off <= ids:
            raise ConfigError(f"--off: no system {sorted(off - ids)[0]}")
        for spec in settings.systems:
            spec.powered = spec.id not in off
    front = RedfishFrontEnd(listen.host, listen.port, listen.tls)  # no telnet/ssh/serial: HTTP only
    return DeviceServer(RedfishModel(settings, faults), [front], wiring_from(wires), listen.host)


CLI = DeviceCli("redfish", add_arguments, build, "Emulated Redfish BMC (HTTPS, sessions, roles).")


def main(argv: Sequence[str]) -> int:
    return run(CLI, argv)
