"""``fencelab``: the umbrella command. Subcommands are modules loaded on demand (fast start-up).

fencelab demo                      the main job (harness.demo)
fencelab emulate <device> [opts]   run one emulated device (emulators.<device>.cli)
fencelab bench <what> [opts]       benchmarks side by side with the stock tools (harness.bench.<what>)
fencelab lab up|down [opts]        a lab from a cluster.conf (harness.lab_cli)
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from cluster.messages import one_line
from cluster.tools.closed_output import silence_stdout

USAGE = """usage: fencelab <command> [args]

commands:
  demo                     start emulated devices and fence through our agents, as a readable timeline
  emulate <device> [...]   run one emulated device (nps, bmc, san) in the foreground; prints a JSON ready line
  bench <what> [...]       benchmark against the stock tools (metadata, nps, ipmi, san)
  lab up CONF | lab down   a whole lab from a cluster.conf: emulated fence devices, nodes as machines
  conformance --agent A --device D   the fence agent contract on any agent (ours or stock)
"""

EMULATORS = ("nps", "bmc", "san")


class OneLineParser(argparse.ArgumentParser):
    """argparse for `fencelab` subcommands: a usage error is one line and exit 2, not a usage block."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {one_line(message)} (use -h for help)", file=sys.stderr)
        raise SystemExit(2)


def _load(module: str, what: str) -> object:
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if not (err.name and module.startswith(err.name)):
            raise
        loaded = None
    if not callable(getattr(loaded, "main", None)):  # e.g. a helper module such as harness.bench.timing
        print(f"fencelab: unknown {one_line(what)}", file=sys.stderr)
        raise SystemExit(2)
    return loaded


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:  # the reader went away (`fencelab -h | head -1`): quietly, exit 1
        silence_stdout()
        return 1


def _dispatch(args: list[str]) -> int:
    if not args:  # a mistake: usage goes where errors go
        print(USAGE, end="", file=sys.stderr)
        return 2
    if args[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0
    cmd, rest = args[0], args[1:]
    if cmd == "demo":
        mod = _load("harness.demo", "command 'demo'")
    elif cmd == "emulate":
        if not rest or rest[0] not in EMULATORS:
            print(f"fencelab emulate: choose a device: {', '.join(EMULATORS)}", file=sys.stderr)
            return 2
        mod = _load(f"emulators.{rest[0]}.cli", f"device '{rest[0]}'")
        rest = rest[1:]
    elif cmd == "bench":
        if not rest:
            print("fencelab bench: choose what to measure: metadata, nps, ipmi, san", file=sys.stderr)
            return 2
        mod = _load(f"harness.bench.{rest[0]}", f"benchmark '{rest[0]}'")
        rest = rest[1:]
    elif cmd == "lab":
        mod = _load("harness.lab_cli", "command 'lab'")
    elif cmd == "conformance":
        mod = _load("harness.conformance.cli", "command 'conformance'")
    else:
        print(f"fencelab: unknown command '{one_line(cmd)}' (use -h for the commands)", file=sys.stderr)
        return 2
    try:
        return int(mod.main(rest))  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
