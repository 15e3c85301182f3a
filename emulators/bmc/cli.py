"""``fencelab emulate bmc``: one or many IPMI 2.0 BMCs, one process each, on 127.0.0.1.

Prints ONE JSON ready line once every BMC is bound::

    {"device": "bmc", "host": "127.0.0.1", "port": 40123, "ports": {"bmc1": 40123, ...},
     "pid": ..., "credentials": {...}, "bmcs": [{"name", "host", "port", "pid", "running"}, ...]}

then serves until SIGTERM/SIGINT (exit 0). Bad configuration: one line on stderr, exit 2; a BMC that
cannot start: one line, exit 1. Each line on stdin is a control request answered with one JSON line:
``{"cmd": "stop"|"start"|"state"|"clear-faults", "bmc": "bmc2"}``, ``{"cmd": "fault", "bmc": ...,
"fault": {"kind": "hang"}}``, ``{"cmd": "power", "bmc": ..., "on": false}``, ``{"cmd": "list"}``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from emulators.base.announce import Announcement, add_announce_arguments
from emulators.base.config import ConfigError, load_toml, parse_wire_flag
from emulators.bmc.config import BmcConfig, fleet_from, parse_user, public_users
from emulators.bmc.fleet import Fleet, FleetError

PROG = "fencelab emulate bmc"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Emulated IPMI 2.0 BMCs (RMCP+, cipher suite 3), one process each.")
    p.add_argument("--config", metavar="FILE", help="TOML file (see emulators/bmc/config.py)")
    add_announce_arguments(p)
    p.add_argument("--events", metavar="FILE", help="append chassis power changes to FILE as JSON lines")
    p.add_argument("--host", help="address to bind (default 127.0.0.1; never ::)")
    p.add_argument("--port", type=int, metavar="PORT", help="UDP port of a single BMC (default 0: any free)")
    p.add_argument("--count", type=int, metavar="N", help="number of BMCs, bmc1..bmcN (default 1)")
    p.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD[:PRIV]",
                   help="a user (privilege callback|user|operator|administrator); prefer --config: argv is "
                   "visible to all")  # fmt: skip
    p.add_argument("--power-on-delay", type=float, metavar="S", help="seconds from power on to chassis on")
    p.add_argument("--cycle-off-time", type=float, metavar="S", help="seconds a power cycle stays off")
    p.add_argument("--soft-off-delay", type=float, metavar="S", help="seconds an ACPI soft-off takes")
    p.add_argument("--off", action="store_true", default=None, help="chassis starts powered off")
    p.add_argument("--session-timeout", type=float, metavar="S", help="reap sessions idle this long")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[:k=v,...]",
        help="latency|drop|hang|garbage|refuse-login|stuck|lie, e.g. latency:command=status,seconds=1",
    )
    p.add_argument(
        "--wire",
        action="append",
        default=[],
        metavar="BMC=COMMAND",
        help="the named BMC's chassis powers COMMAND (bmc1=... or chassis=... for a single BMC)",
    )
    return p  # fmt: skip


def _apply_flags(args: argparse.Namespace, config: dict[str, Any]) -> None:
    simple = {
        "host": args.host,
        "port": args.port,
        "count": args.count,
        "power_on_delay": args.power_on_delay,
        "cycle_off_time": args.cycle_off_time,
        "soft_off_delay": args.soft_off_delay,
        "session_timeout": args.session_timeout,
    }
    config.update({k: v for k, v in simple.items() if v is not None})
    if args.off:
        config["powered"] = False
    if args.user:
        users = dict(parse_user(u) for u in args.user)
        config["users"] = {n: {"password": pw, "privilege": p.name.lower()} for n, (pw, p) in users.items()}


def build(argv: Sequence[str]) -> tuple[list[BmcConfig], Announcement]:
    args = parser().parse_args(list(argv))
    announcement = Announcement(args.ready_file, args.pid_file)
    problem = announcement.check()
    if problem:
        raise ConfigError(problem)
    where = args.config or "config"
    config: dict[str, Any] = load_toml(args.config) if args.config else {}
    kind = config.pop("kind", "bmc")
    if kind != "bmc":
        raise ConfigError(f"{where}: kind is '{kind}', expected 'bmc'")
    events = config.pop("events", None)
    if not isinstance(events, str | None):
        raise ConfigError(f"{where}.events must be a file name")
    _apply_flags(args, config)
    fleet = fleet_from(config, where, args.fault)
    for bmc in fleet:
        bmc.events = args.events or events
    by_name = {b.name: b for b in fleet}
    for text in args.wire:
        name, argv_ = parse_wire_flag(text)
        if name in ("chassis", "1") and len(fleet) == 1:
            name = fleet[0].name
        if name not in by_name:
            raise ConfigError(f"--wire {name}: no BMC of that name (have {', '.join(by_name)})")
        by_name[name].target = argv_
    return fleet, announcement


def ready_line(fleet: Fleet) -> dict[str, Any]:
    members = fleet.describe()
    first = next(iter(fleet.members.values())).config
    return {
        "device": "bmc",
        "host": first.address,
        "port": members[0]["port"],
        "ports": {m["name"]: m["port"] for m in members},
        "pid": os.getpid(),
        "credentials": public_users(first),
        "bmcs": members,
    }


def control(fleet: Fleet, line: str) -> dict[str, Any]:
    """Answer one control request from our stdin."""
    try:
        request = json.loads(line)
        cmd = request.get("cmd")
        if cmd == "list":
            return {"ok": True, "bmcs": fleet.describe()}
        name = request.get("bmc") or next(iter(fleet.members))
        if cmd == "stop":
            return {"ok": True, **fleet.stop(name).describe()}
        if cmd == "start":
            return {"ok": True, **fleet.start(name).describe()}
        forwarded = {k: v for k, v in request.items() if k != "bmc"}
        return fleet.request(name, forwarded)
    except (ValueError, AttributeError, FleetError) as err:
        return {"ok": False, "error": str(err)}


def _serve_control(fleet: Fleet) -> None:
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(control(fleet, line)), flush=True)


def main(argv: Sequence[str]) -> int:
    try:
        configs, announcement = build(argv)
    except ConfigError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 2
    fleet = Fleet(configs)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stop.set())
    try:
        fleet.start_all()
    except FleetError as err:
        fleet.stop_all()
        print(f"{PROG}: cannot start: {err}", file=sys.stderr)
        return 1
    try:
        announcement.announce(ready_line(fleet))
        threading.Thread(target=_serve_control, args=(fleet,), daemon=True).start()
        while not stop.wait(0.5):
            pass
    finally:
        fleet.stop_all()
        announcement.withdraw()
    return 0
