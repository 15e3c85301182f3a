"""``fencelab emulate <kind>``: run one device in the foreground.

On readiness it prints ONE JSON line to stdout (device, host, ports, serial, pid, credentials, plugs/ports...)
(and, with ``--ready-file``/``--pid-file``, writes it and its pid to files: see announce.py) and serves until
SIGTERM or SIGINT, then stops cleanly and exits 0. Each line on stdin is a JSON control
request answered by one JSON line on stdout (``DeviceModel.control``: fault, clear-faults, state, ...).
Bad configuration: one line on stderr, exit 2. Cannot start (port taken...): one line, exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from emulators.base.announce import Announcement, add_announce_arguments
from emulators.base.config import ConfigError, load_toml
from emulators.base.events import open_events
from emulators.base.server import DeviceServer


@dataclass
class DeviceCli:
    """How one device kind plugs into the runner."""

    kind: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    # (parsed flags, config table from --config or {}) -> a ready-to-start server; raises ConfigError
    build: Callable[[argparse.Namespace, dict[str, Any]], DeviceServer]
    description: str = ""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line + exit 2, no usage dump
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML file describing the device fully")
    add_announce_arguments(parser)
    parser.add_argument(
        "--events", metavar="FILE",
        help="append the device's ground truth (outlet, port, write events) to FILE as JSON lines",
    )  # fmt: skip
    parser.add_argument("--name", help="the device's name in events and the ready line (default: its kind)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every session's dialogue to stderr")
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--telnet-port", metavar="PORT", help="telnet port (0 = any free port, off = none)")
    parser.add_argument("--ssh-port", metavar="PORT", help="ssh port (0 = any free port, off = none)")
    parser.add_argument("--serial", action="store_true", default=None, help="also serve a pty serial line")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="KIND[:k=v,...]",
        help="add a fault (latency|drop|hang|garbage|refuse-login|stuck|lie), e.g. hang:command=/S",
    )  # fmt: skip
    parser.add_argument(
        "--wire", action="append", default=[], metavar="OUTLET=COMMAND",
        help="power a process from an outlet: started on power-on, process group SIGKILLed on power-off",
    )  # fmt: skip


def apply_common_flags(args: argparse.Namespace, config: dict[str, Any]) -> None:
    """Flags override the file: write them into the config table before the device reads it."""
    if args.host is not None:
        config["host"] = args.host
    for name in ("telnet_port", "ssh_port"):
        value = getattr(args, name)
        if value is None:
            continue
        if value.lower() in ("off", "no", "none", "false"):
            config[name] = False
        elif value.isascii() and value.isdigit():
            config[name] = int(value)
        else:
            raise ConfigError(f"--{name.replace('_', '-')} must be a port number or 'off'")
    if args.serial:
        config["serial"] = True


def handle_control(server: DeviceServer, line: str) -> dict[str, Any]:
    """One control line (JSON object) -> one answer; runs on the server's loop."""
    try:
        request = json.loads(line)
        if not isinstance(request, dict):
            raise ValueError("a control request is a JSON object")
    except ValueError as err:
        return {"ok": False, "error": f"bad control request: {err}"}
    answer = server.model.control(request, server.now())
    server.settle()
    return answer


def _read_control(server: DeviceServer, loop: asyncio.AbstractEventLoop) -> None:
    """Stdin thread: each line is a control request; each answer is one JSON line on stdout."""

    def answer(line: str) -> None:
        print(json.dumps(handle_control(server, line)), flush=True)

    # os.read, not sys.stdin: a thread blocked inside the buffered reader holds its lock and delays
    # interpreter exit by seconds.
    pending = b""
    while True:
        try:
            chunk = os.read(0, 65536)
        except OSError:
            return
        if not chunk:
            return
        *lines, pending = (pending + chunk).split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            if not line.strip():
                continue
            try:
                loop.call_soon_threadsafe(answer, line)
            except RuntimeError:
                return  # the loop is closing: the device is stopping


async def _serve(server: DeviceServer, announcement: Announcement) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await server.start()
    except OSError as err:
        print(f"fencelab emulate {server.model.kind}: cannot start: {err}", file=sys.stderr)
        return 1
    try:
        announcement.announce(server.info())
        threading.Thread(target=_read_control, args=(server, loop), daemon=True).start()
        await stop.wait()
    finally:
        await server.stop()
        announcement.withdraw()
    return 0


def run(cli: DeviceCli, argv: Sequence[str]) -> int:
    prog = f"fencelab emulate {cli.kind}"
    parser = _Parser(prog=prog, description=cli.description)
    add_common_arguments(parser)
    cli.add_arguments(parser)
    args = parser.parse_args(list(argv))
    if args.verbose:  # passwords are logged as *** (the model marks them secret)
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(message)s")
        logging.getLogger("asyncio").setLevel(logging.WARNING)
        logging.getLogger("asyncssh").setLevel(logging.WARNING)
    try:
        config: dict[str, Any] = load_toml(args.config) if args.config else {}
        where = args.config or "config"
        kind = config.pop("kind", cli.kind)
        if kind != cli.kind:
            raise ConfigError(f"{where}: kind is '{kind}', expected '{cli.kind}'")
        events_path, name = config.pop("events", None), config.pop("name", cli.kind)
        if not isinstance(events_path, str | None) or not isinstance(name, str) or not name:
            raise ConfigError("events must be a file name and name a non-empty string")
        events_path, name = args.events or events_path, args.name or name
        apply_common_flags(args, config)
        announcement = Announcement(args.ready_file, args.pid_file)
        problem = announcement.check()
        if problem:
            raise ConfigError(problem)
        server = cli.build(args, config)
        server.name = name
        try:
            server.record(open_events(events_path, name))
        except OSError as err:
            raise ConfigError(f"--events {events_path}: {err.strerror or err}") from None
    except ConfigError as err:
        msg = str(err)
        if args.config and not msg.startswith(args.config):
            msg = f"{args.config}: {msg}"
        print(f"{prog}: {msg}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_serve(server, announcement))
    except KeyboardInterrupt:
        return 0
