"""``fencelab bench redfish``: our fence_redfish against the stock one on the same emulated Redfish BMC.

Both agents are fed on stdin like fenced (``ssl_insecure=1``, ``power_wait=0``); the emulator has no power
delays. Before each timed ``off`` (and ``status``, ``reboot``) the system is switched on, before ``on`` off,
through the emulator's control pipe, so every run does real work. Runs alternate ours, stock, ours,
stock... after one unmeasured warm-up each. Figures: median wall time per action and the ratio ours/stock.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence

from harness.bench.timing import Timing, ratio_header, ratio_row, time_command, warm_bytecode
from harness.emulator_process import Emulator, start_emulator
from harness.one_line_parser import OneLineParser
from harness.tools import our_tool, stock_tool

USER, PASSWORD = "admin", "bench-Secret-1"
GOALS = {"reboot": 0.25, "status": 0.5}  # ours/stock median ratio, at most
CONFIG = {"users": {USER: {"password": PASSWORD, "role": "Administrator"}}}
WORDS = {"status": "Status: ON", "off": "Success: Powered OFF", "on": "Success: Powered ON",
         "reboot": "Success: Rebooted"}  # fmt: skip


def stdin_for(bmc: Emulator, action: str) -> str:
    lines = [f"ip={bmc.host}", f"ipport={bmc.port('https')}", f"username={USER}", f"password={PASSWORD}",
             "ssl_insecure=1", "power_wait=0", f"action={action}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def expected(action: str) -> Callable[[subprocess.CompletedProcess[str]], bool]:
    return lambda proc: proc.returncode == 0 and WORDS[action] in proc.stdout


def children_cpu() -> float:
    """CPU seconds (user + system) used so far by our finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_agents(
    bmc: Emulator, ours: str, stock: str, runs: int, cpu: dict[tuple[str, str], list[float]]
) -> list[tuple[str, Timing, Timing]]:
    """Wall time per run (and, into ``cpu``, the agent process's CPU time per run)."""

    def power(on: bool) -> Callable[[], None]:
        def switch() -> None:
            bmc.control({"cmd": "power", "system": "1", "on": on})

        return switch

    before = {"status": power(True), "off": power(True), "on": power(False), "reboot": power(True)}
    rows = []
    for action in ("status", "off", "on", "reboot"):
        samples: dict[str, list[float]] = {"ours": [], "stock": []}
        failures = {"ours": 0, "stock": 0}
        for i in range(runs + 1):
            for label, path in (("ours", ours), ("stock", stock)):
                before[action]()
                spent = children_cpu()
                one = time_command(label, [path], 1, stdin=stdin_for(bmc, action), ok=expected(action))
                if i > 0:
                    samples[label] += one.samples
                    failures[label] += one.failures
                    cpu.setdefault((action, label), []).append(children_cpu() - spent)
        ours_t, stock_t = (Timing(k, tuple(samples[k]), failures[k]) for k in ("ours", "stock"))
        rows.append((action, ours_t, stock_t))
    return rows


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench redfish")
    parser.add_argument("--runs", type=int, default=10, help="runs per action and agent (default 10)")
    args = parser.parse_args(list(argv))
    stock = stock_tool("fence_redfish")
    if stock is None:
        print("stock fence_redfish missing: apt-get install fence-agents", file=sys.stderr)
        return 1
    ours = our_tool("fence_redfish")
    warm_bytecode()
    cpu: dict[tuple[str, str], list[float]] = {}
    with start_emulator("redfish", CONFIG) as bmc:
        rows = time_agents(bmc, ours, stock, args.runs, cpu)
        sessions_left = bmc.control({"cmd": "state"})["sessions"]
    print(f"fence_redfish, ours vs stock ({stock}), same emulated Redfish BMC (HTTPS, no power delays),")
    print(f"power_wait 0, median of {args.runs} paired runs (stdin, as fenced):")
    print(ratio_header("ours", "stock") + "   goal")
    status = 0
    for action, a, b in rows:
        goal = GOALS.get(action)
        verdict = ""
        if goal is not None:
            verdict = f"   <= {goal:g}x {'met' if a.median / b.median <= goal else 'MISSED'}"
        print(ratio_row(action, a, b) + verdict)
        if a.failures or b.failures:
            status = 1
    print("CPU time of the agent process (user + system), median:")
    for action, _, _ in rows:
        mine, theirs = (statistics.median(cpu[(action, who)]) for who in ("ours", "stock"))
        print(f"{action:<14} {mine * 1000:9.1f} ms {theirs * 1000:9.1f} ms   {mine / theirs:5.2f}x")
    print(f"sessions left open on the BMC after all runs: {sessions_left}")
    return status
