"""``fencelab``: the umbrella command. Subcommands are modules loaded on demand (fast start-up).

fencelab demo                      the main job (harness.demo)
fencelab emulate <device> [opts]   run one emulated device (emulators.<device>.cli)
fencelab bench <what> [opts]       benchmarks side by side with the stock tools (harness.bench.<what>)
fencelab lab up|down [opts]        a lab from a cluster.conf (harness.lab_cli)
fencelab pacemaker translate CONF  a cluster.conf as corosync.conf + cib.xml (harness.pacemaker.cli)
fencelab install-agents [opts]     our agents into /usr/sbin for Pacemaker and fenced (harness.agent_install)
fencelab uninstall-agents [opts]   remove them again
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from cluster.text_escape import one_line
from cluster.tools.closed_output import silence_stdout

USAGE = """usage: fencelab <command> [args]

commands:
  demo                     start emulated devices and fence through our agents, as a readable timeline
  emulate <device> [...]   run one emulated device (nps, bmc, san, redfish); prints a JSON ready line
  bench <what> [...]       benchmark against the stock tools (fencelab bench -h lists them)
  lab up CONF | lab down   a whole lab from a cluster.conf: emulated fence devices, nodes as machines
  pacemaker translate CONF a cluster.conf as Corosync 3 + Pacemaker: corosync.conf and a verified cib.xml
  install-agents [...]     install our fence agents in /usr/sbin, where Pacemaker and fenced look
  uninstall-agents [...]   remove the agents install-agents installed
  conformance [...]        the fence agent contract on any agent, ours or stock (--agent A --device D)
  scenario list|run|random fault scenarios on a lab, judged from the devices' ground truth
"""

EMULATORS = ("nps", "bmc", "san", "redfish")

# name -> (what it measures, run time with the default options on the project's 2-core machine)
BENCHES = {
    "all": ("metadata, nps, ipmi, san, redfish on one install (a fresh venv from the wheel)", "~4 min"),
    "metadata": ("agent start-up (-o metadata): our four agents against the stock ones", "~1 min"),
    "startup": ("a plain -o status of fence_nps/ifmib/brocade against the stock ones", "~20 s"),
    "nps": ("fence_nps against the stock fence_wti on one NPS emulator", "~2 min"),
    "nps_sessions": ("one NPS emulator, 200 concurrent telnet sessions: /S latency", "~10 s"),
    "ipmi": ("fence_ipmilan against the stock one (ipmitool); the BMC's session rate", "~1 min"),
    "san": ("our SNMP agent against snmpsim; fence_ifmib against the stock one", "~1 min"),
    "cluster": ("a killed node of a 3-node lab: time to fence, per token timeout", "~1 min"),
    "failover": ("an owner dies: until its page answers elsewhere (root; --backend ...)", "~60 s"),
    "redfish": ("fence_redfish against the stock one on one Redfish emulator (HTTPS)", "~1 min"),
}


def bench_usage() -> str:
    rows = "".join(f"  {name:<13} {what:<70} {time}\n" for name, (what, time) in BENCHES.items())
    return (
        "usage: fencelab bench <what> [options]   (fencelab bench <what> -h: its options)\n\n"
        "benchmarks, with their run time at the default options (2 cores; figures: docs/BENCHMARKS.md):\n"
        + rows
    )


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
        if not rest or rest[0] in ("-h", "--help"):
            print(bench_usage(), end="", file=sys.stdout if rest else sys.stderr)
            return 0 if rest else 2
        mod = _load(f"harness.bench.{rest[0]}", f"benchmark '{rest[0]}'")
        rest = rest[1:]
    elif cmd == "lab":
        mod = _load("harness.lab_cli", "command 'lab'")
    elif cmd in ("install-agents", "uninstall-agents"):
        from harness import agent_install

        main = agent_install.main_install if cmd == "install-agents" else agent_install.main_uninstall
        return main(rest)
    elif cmd == "conformance":
        mod = _load("harness.conformance.cli", "command 'conformance'")
    elif cmd == "scenario":
        mod = _load("harness.scenario.cli", "command 'scenario'")
    elif cmd == "pacemaker":
        mod = _load("harness.pacemaker.cli", "command 'pacemaker'")
    else:
        print(f"fencelab: unknown command '{one_line(cmd)}' (use -h for the commands)", file=sys.stderr)
        return 2
    try:
        return int(mod.main(rest))  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
