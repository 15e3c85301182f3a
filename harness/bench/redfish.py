"""``fencelab bench redfish``: our fence_redfish against the stock one on the same emulated Redfish BMC.

Both agents are fed on stdin like fenced (``ssl_insecure=1``, ``power_wait=0``); the emulator has no power
delays. Before each timed ``off`` (and ``status``, ``reboot``) the system is switched on, before ``on`` off,
through the emulator's control pipe, so every run does real work. Ours runs from an install
(:mod:`harness.bench.install`: by default this checkout's wheel in a fresh venv), alternating with the stock
agent (A B A B) after one unmeasured warm-up pair. Figures: median wall time per action, the median of the
paired ratios, the same for the agents' CPU time (steadier on a shared machine), and the emulator's CPU per
run of each agent (a slow emulator would compress the ratio).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence

from harness.bench.install import Install, add_bench_options, bench_install
from harness.bench.report import report
from harness.bench.timing import Paired, Side, process_cpu_seconds, time_pair
from harness.emulator_process import Emulator, start_emulator
from harness.one_line_parser import OneLineParser
from harness.tools import stock_tool

USER, PASSWORD = "admin", "bench-Secret-1"
GOALS = {"reboot": 0.25, "status": 0.5}  # ours/stock paired ratio, at most
CONFIG = {"users": {USER: {"password": PASSWORD, "role": "Administrator"}}}
WORDS = {"status": "Status: ON", "off": "Success: Powered OFF", "on": "Success: Powered ON",
         "reboot": "Success: Rebooted"}  # fmt: skip


def stdin_for(bmc: Emulator, action: str) -> str:
    lines = [f"ip={bmc.host}", f"ipport={bmc.port('https')}", f"username={USER}", f"password={PASSWORD}",
             "ssl_insecure=1", "power_wait=0", f"action={action}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def expected(action: str) -> Callable[[subprocess.CompletedProcess[str]], bool]:
    return lambda proc: proc.returncode == 0 and WORDS[action] in proc.stdout


class EmulatorCpu:
    """The emulator's CPU seconds spent during each side's runs (measured around every run)."""

    def __init__(self, bmc: Emulator) -> None:
        self.pid, self.spent = bmc.pid, {"ours": 0.0, "stock": 0.0}
        self._last: tuple[str, float] | None = None

    def mark(self, label: str) -> None:
        now = process_cpu_seconds(self.pid)
        if self._last is not None:
            self.spent[self._last[0]] += now - self._last[1]
        self._last = (label, now)


def time_agents(
    bmc: Emulator, ours: str, stock: str, runs: int, cpu: EmulatorCpu
) -> list[tuple[str, Paired, float | None]]:
    def power(on: bool, label: str) -> Callable[[], None]:
        def switch() -> None:
            bmc.control({"cmd": "power", "system": "1", "on": on})
            cpu.mark(label)  # the control request itself is counted to no one

        return switch

    wanted_on = {"status": True, "off": True, "on": False, "reboot": True}
    rows = []
    for action in ("status", "off", "on", "reboot"):
        stdin, ok, on = stdin_for(bmc, action), expected(action), wanted_on[action]
        pair = time_pair(
            Side("ours", [ours], stdin, ok, power(on, "ours")),
            Side("stock", [stock], stdin, ok, power(on, "stock")),
            runs,
        )
        rows.append((action, pair, GOALS.get(action)))
    return rows


def main(argv: Sequence[str], install: Install | None = None) -> int:
    """``install``: the one to measure (``fencelab bench all``); default: from ``--venv`` or a fresh one."""
    parser = OneLineParser(prog="fencelab bench redfish")
    add_bench_options(parser, runs=10)
    args = parser.parse_args(list(argv))
    stock = stock_tool("fence_redfish")
    if stock is None:
        print("stock fence_redfish missing: apt-get install fence-agents", file=sys.stderr)
        return 1
    with bench_install(args.venv, install) as install, start_emulator("redfish", CONFIG) as bmc:
        cpu = EmulatorCpu(bmc)
        rows = time_agents(bmc, install.tool("fence_redfish"), stock, args.runs, cpu)
        cpu.mark("ours")
        sessions_left = bmc.control({"cmd": "state"})["sessions"]
    runs = 4 * (args.runs + 1)  # warm-up pairs included
    after = [
        "CPU time of the agent process (user + system): median ours, stock, median of the paired ratios:"
    ]
    after += [
        f"- {action}: {pair.ours.cpu_median * 1000:.1f} ms, {pair.stock.cpu_median * 1000:.1f} ms,"
        f" {pair.cpu_ratio:.2f}x"
        for action, pair, _ in rows
    ]
    after.append(
        f"Emulator CPU per agent run (HTTPS, JSON): ours {cpu.spent['ours'] / runs * 1000:.1f} ms,"
        f" stock {cpu.spent['stock'] / runs * 1000:.1f} ms."
    )
    after.append(f"Sessions left open on the BMC after all runs: {sessions_left}.")
    title = (
        f"fence_redfish, ours vs stock ({stock}), same emulated Redfish BMC (HTTPS, no power delays),"
        f" power_wait 0, {args.runs} pairs (stdin, as fenced); agents from {install.how}"
    )
    status = report("redfish", argv, install, title, rows, after=after, write=args.write)
    return status | (1 if sessions_left else 0)
