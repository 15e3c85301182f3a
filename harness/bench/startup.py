"""``fencelab bench startup``: a plain ``status`` of our agents against the stock ones, on our emulators.

What a monitor call or fenced's first look costs: start-up plus one short session. Paired runs (ours, stock,
ours...) against the same device, median of the per-pair ratios (see ``bench metadata``). ``--bin DIR``
measures the agents installed there (a wheel in a fresh venv: what a user runs).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness.bench.timing import Side, time_pair, warm_bytecode
from harness.emulator_process import start_emulator
from harness.one_line_parser import OneLineParser
from harness.tools import our_tool, stock_tool


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench startup")
    parser.add_argument("--runs", type=int, default=20, help="pairs of runs per agent")
    parser.add_argument("--bin", type=Path, default=None, help="directory of the agents to measure")
    args = parser.parse_args(list(argv))
    warm_bytecode()

    def ours(name: str) -> str:
        return str(args.bin / name) if args.bin else our_tool(name)

    nps = start_emulator("nps", {"relay_delay": 0, "boot_delay": 0, "ssh_port": False, "password": "pw"})
    state = tempfile.TemporaryDirectory(prefix="fencelab-bench-")
    san = start_emulator("san", {"state_dir": state.name, "ssh_port": False, "pdu_port": False}, timeout=20.0)
    try:
        login = san.info["credentials"]
        local = ["-a", "127.0.0.1", "-n", "1"]
        cases = [
            ("fence_nps", "fence_wti", [*local, "-u", str(nps.port("telnet")), "-p", "pw"]),
            ("fence_ifmib", "fence_ifmib", [*local, "-u", str(san.port("snmp")), "-c", "public"]),
            ("fence_brocade", "fence_brocade",
             [*local, "-u", str(san.port("telnet")), "-l", login["username"], "-p", login["password"]]),
        ]  # fmt: skip
        print(f"-o status wall time against our emulators, {args.runs} pairs (ours, stock) per agent")
        print(f"{'agent':<14} {'ours':>12} {'stock':>12}   {'ratio of medians':>16}   {'paired ratio':>12}")
        status = 0
        for mine, theirs, common in cases:
            stock = stock_tool(theirs)
            if stock is None:
                print(f"{mine:<14} stock {theirs} missing (apt-get install fence-agents)")
                status = 1
                continue
            action = [*common, "-o", "status"]
            pair = time_pair(Side(mine, [ours(mine), *action]), Side(theirs, [stock, *action]), args.runs)
            a, b, ratio = pair.ours, pair.stock, pair.ratio
            if a.failures or b.failures:
                status = 1
            print(
                f"{mine:<14} {a.median * 1000:9.1f} ms {b.median * 1000:9.1f} ms   "
                f"{a.median / b.median:15.2f}x   {ratio:11.2f}x   vs {theirs}"
                + (f"  (failures: ours {a.failures}, stock {b.failures})" if a.failures or b.failures else "")
            )
        return status
    finally:
        san.stop()
        nps.stop()
        state.cleanup()
