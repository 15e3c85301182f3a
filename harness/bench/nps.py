"""``fencelab bench nps``: our fence_nps against the stock fence_wti on the same NPS emulator, in one run.

1. Zero device delay (relay and boot delays 0): what is measured is the agents' own overhead and waits.
   Ours and stock alternate run by run (A B A B), fed by stdin exactly as fenced does, power_wait 0.
2. The physical floor: fence_nps reboot against relays that switch 0.5 s after a command. Off relay + on
   relay = 1.0 s is the least any agent can take (it must see the machine off before switching it on);
   the figure is the median run time over that floor.
Before each run the plug is put in the state the action starts from (through the emulator's control
channel) and the run waits until the relay got there, so no earlier switch is still queued.
"""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Callable, Sequence

from harness.bench.install import Install, add_bench_options, bench_install
from harness.bench.report import report
from harness.bench.timing import Paired, Side, time_command, time_pair, verdict
from harness.emulator_process import Emulator, start_emulator
from harness.one_line_parser import OneLineParser
from harness.tools import stock_tool
from harness.waiting import wait_for

# action -> the plug state it starts from, and the exit status that means success
ACTIONS: tuple[tuple[str, bool, int], ...] = (
    ("status", True, 0),
    ("off", True, 0),
    ("on", False, 0),
    ("reboot", True, 0),
)
GOALS = {"reboot": 0.15}
RELAY = 0.5  # seconds, for the physical-floor figure
FLOOR_GOAL = 1.1


def _stdin(device: Emulator, action: str) -> str:
    return (
        f"ipaddr={device.host}\nipport={device.port('telnet')}\npasswd={device.credentials['password']}\n"
        f"port=1\naction={action}\npower_wait=0\n"
    )


def starting_from(device: Emulator, on: bool, relay: float) -> Callable[[], None]:
    """Put plug 1 in state ``on`` (only if it is not: a redundant command would queue behind the relay)
    and wait until the relay is there."""

    def is_there() -> bool:
        return bool(device.control({"cmd": "state"})["plugs"][0]["state"] == ("on" if on else "off"))

    def prepare() -> None:
        if not is_there():
            device.control({"cmd": "power", "plug": "1", "on": on})
        wait_for("plug 1 to reach its starting state", is_there, timeout=10 + 2 * relay, interval=0.005)

    return prepare


def zero_delay_rows(install: Install, stock: str, runs: int) -> list[tuple[str, Paired, float | None]]:
    ours = install.tool("fence_nps")
    rows = []
    with start_emulator("nps", config={"plugs": 8, "relay_delay": 0, "boot_delay": 0}) as device:
        for action, start_on, exit_ok in ACTIONS:
            stdin, prepare = _stdin(device, action), starting_from(device, start_on, 0.0)

            def ok(proc: subprocess.CompletedProcess[str], code: int = exit_ok) -> bool:
                return proc.returncode == code

            pair = time_pair(
                Side("fence_nps", [ours], stdin, ok, prepare),
                Side("fence_wti", [stock], stdin, ok, prepare),
                runs,
            )
            rows.append((action, pair, GOALS.get(action)))
    return rows


def floor_run(install: Install, runs: int) -> tuple[float, int]:
    """(median seconds, failures) of fence_nps reboot with RELAY-second relays."""
    config = {"plugs": 8, "relay_delay": RELAY, "boot_delay": 0}
    with start_emulator("nps", config=config) as device:
        timing = time_command(
            "fence_nps",
            [install.tool("fence_nps")],
            runs + 1,
            stdin=_stdin(device, "reboot"),
            before_each=starting_from(device, True, RELAY),
        )
    samples = timing.samples[1:] if len(timing.samples) > 1 else timing.samples  # the first warms up
    return (statistics.median(samples) if samples else float("nan")), timing.failures


def main(argv: Sequence[str], install: Install | None = None) -> int:
    """``install``: the one to measure (``fencelab bench all``); default: from ``--venv`` or a fresh one."""
    parser = OneLineParser(prog="fencelab bench nps")
    add_bench_options(parser, runs=15)
    args = parser.parse_args(list(argv))
    stock = stock_tool("fence_wti")
    if stock is None:
        print("fencelab bench nps: stock fence_wti missing: apt-get install fence-agents")
        return 1
    with bench_install(args.venv, install) as install:
        rows = zero_delay_rows(install, stock, args.runs)
        floor, floor_failures = floor_run(install, max(5, args.runs // 2))
    over = floor / (2 * RELAY)
    fixed = next(pair.ours.median for action, pair, _ in rows if action == "reboot")
    floor_line = (
        f"fence_nps reboot with {RELAY:g} s relays: {floor:.3f} s = {over:.3f}x the {2 * RELAY:g} s floor"
        f" ({verdict(over, FLOOR_GOAL)}; failures {floor_failures}); above the floor: the agent's own cost"
        f" (its zero-delay reboot) {fixed * 1000:.0f} ms, the rest (the verify loop seeing both relays late)"
        f" {(floor - 2 * RELAY - fixed) * 1000:.0f} ms"
    )
    title = (
        f"fence_nps vs stock fence_wti, telnet, power_wait 0, relay delay 0, {args.runs} pairs; agents from"
        f" {install.how}"
    )
    status = report(
        "nps", argv, install, title, rows, ("fence_nps", "fence_wti"), after=[floor_line], write=args.write
    )
    return status | (1 if floor_failures or not over <= FLOOR_GOAL else 0)
