"""``fencelab emulate nps``: a WTI NPS-style network power switch (telnet, ssh, pty serial)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from emulators.base.config import ConfigError, parse_wire_flag, wiring_from
from emulators.base.front_ends import device_server
from emulators.base.runner import DeviceCli, run
from emulators.base.server import DeviceServer
from emulators.nps.config import settings_from
from emulators.nps.model import NpsModel
from emulators.nps.settings import PROMPTS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plugs", type=int, metavar="N", help="number of plugs (default 8)")
    parser.add_argument("--password", help="login password (prefer --config: argv is visible to all)")
    parser.add_argument("--username", help="user name: switches to user + password login (IPS/RPC style)")
    parser.add_argument("--prompt", choices=PROMPTS, help="command prompt (default NPS>)")
    parser.add_argument("--relay-delay", type=float, metavar="S", help="relay switching time (default 0.5 s)")
    parser.add_argument("--boot-delay", type=float, metavar="S", help="/BOOT off time (default 0.5 s)")
    parser.add_argument("--page-rows", type=int, metavar="N", help="/S rows per page (0: no paging)")
    parser.add_argument("--login-attempts", type=int, metavar="N", help="wrong passwords before hang-up")
    parser.add_argument("--single-session", action="store_true", default=None, help="one session at a time")
    parser.add_argument(
        "--idle-timeout", type=float, metavar="S", help="hang up idle sessions (default 0: never)"
    )
    parser.add_argument("--off", metavar="PLUGS", help="plugs that start powered off, e.g. 2,3")


def _apply_flags(args: argparse.Namespace, config: dict[str, Any]) -> None:
    simple = {
        "prompt": args.prompt,
        "relay_delay": args.relay_delay,
        "boot_delay": args.boot_delay,
        "page_rows": args.page_rows,
        "login_attempts": args.login_attempts,
        "single_session": args.single_session,
        "idle_timeout": args.idle_timeout,
    }
    config.update({k: v for k, v in simple.items() if v is not None})
    if args.plugs is not None:
        config["plugs"] = args.plugs
    if args.username is not None:
        password = args.password if args.password is not None else config.get("password", "redhat123")
        config["users"] = {args.username: password}
    elif args.password is not None:
        config["password"] = args.password


def build(args: argparse.Namespace, config: dict[str, Any]) -> DeviceServer:
    _apply_flags(args, config)
    wires = dict(parse_wire_flag(w) for w in args.wire)
    settings, faults, listen, wired = settings_from(config, args.config or "config", args.fault, wires)
    if args.off:
        off = {s.strip() for s in args.off.split(",") if s.strip()}
        known = {str(p.number) for p in settings.plugs}
        if not off <= known:
            raise ConfigError(f"--off: no plug {sorted(off - known)[0]}")
        for plug in settings.plugs:
            if str(plug.number) in off:
                plug.on = False
    return device_server(NpsModel(settings, faults), listen, wiring_from(wired))


CLI = DeviceCli("nps", add_arguments, build, "Emulated WTI NPS network power switch.")


def main(argv: Sequence[str]) -> int:
    return run(CLI, argv)
