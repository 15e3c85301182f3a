"""``fencelab bench metadata``: start-up cost of our agents, measured as ``-o metadata`` wall time against the
stock ClusterLabs agent that plays the same role, in the same run.

Paired runs (ours, stock, ours, stock...): load on a shared machine hits both sides of a pair alike, so the
median of the per-pair ratios is steadier than the ratio of two medians taken minutes apart.
``--bin DIR`` measures the agents installed there (a wheel in a fresh venv: what a user runs).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from harness.bench.timing import Timing, time_command, warm_bytecode
from harness.one_line_parser import OneLineParser
from harness.tools import our_tool, stock_tool

PAIRS = (
    ("fence_nps", "fence_wti"),
    ("fence_ipmilan", "fence_ipmilan"),
    ("fence_ifmib", "fence_ifmib"),
    ("fence_brocade", "fence_brocade"),
)


def paired(ours: list[str], stock: list[str], runs: int) -> tuple[Timing, Timing, float]:
    """``runs`` pairs, ours first in each; the two timings and the median of the per-pair ratios."""
    time_command("warm", ours, 1), time_command("warm", stock, 1)  # page cache, .pyc files
    mine: list[Timing] = []
    theirs: list[Timing] = []
    for _ in range(runs):
        mine.append(time_command("ours", ours, 1))
        theirs.append(time_command("stock", stock, 1))
    ratios = [a.median / b.median for a, b in zip(mine, theirs, strict=True) if a.samples and b.samples]
    a = Timing("ours", tuple(s for t in mine for s in t.samples), sum(t.failures for t in mine))
    b = Timing("stock", tuple(s for t in theirs for s in t.samples), sum(t.failures for t in theirs))
    return a, b, statistics.median(ratios) if ratios else float("nan")


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench metadata")
    parser.add_argument("--runs", type=int, default=20, help="pairs of runs per agent")
    parser.add_argument("--bin", type=Path, default=None, help="directory of the agents to measure")
    args = parser.parse_args(list(argv))
    warm_bytecode()
    print(f"-o metadata wall time, {args.runs} pairs (ours, stock) per agent")
    print(f"{'agent':<14} {'ours':>12} {'stock':>12}   {'ratio of medians':>16}   {'paired ratio':>12}")
    status = 0
    for ours_name, stock_name in PAIRS:
        stock = stock_tool(stock_name)
        try:
            ours = str(args.bin / ours_name) if args.bin else our_tool(ours_name)
        except FileNotFoundError:
            continue
        if stock is None:
            print(f"{ours_name:<14} stock {stock_name} missing (apt-get install fence-agents)")
            status = 1
            continue
        a, b, ratio = paired([ours, "-o", "metadata"], [stock, "-o", "metadata"], args.runs)
        if a.failures:
            status = 1
        print(
            f"{ours_name:<14} {a.median * 1000:9.1f} ms {b.median * 1000:9.1f} ms   "
            f"{a.median / b.median:15.2f}x   {ratio:11.2f}x   vs {stock_name}"
        )
    return status
