"""``fencelab bench metadata``: start-up cost of our agents, measured as ``-o metadata`` wall time against the
stock ClusterLabs agent that plays the same role, alternately (A B A B) in the same run, from an install."""

from __future__ import annotations

from collections.abc import Sequence

from harness.bench.install import Install, add_bench_options, bench_install
from harness.bench.report import report
from harness.bench.timing import Paired, Side, time_pair
from harness.one_line_parser import OneLineParser
from harness.tools import stock_tool

PAIRS = (
    ("fence_nps", "fence_wti"),
    ("fence_ipmilan", "fence_ipmilan"),
    ("fence_ifmib", "fence_ifmib"),
    ("fence_brocade", "fence_brocade"),
)
GOALS = {"fence_nps": 0.6}


def main(argv: Sequence[str], install: Install | None = None) -> int:
    """``install``: the one to measure (``fencelab bench all``); default: from ``--venv`` or a fresh one."""
    parser = OneLineParser(prog="fencelab bench metadata")
    add_bench_options(parser, runs=20)
    args = parser.parse_args(list(argv))
    rows: list[tuple[str, Paired, float | None]] = []
    status = 0
    with bench_install(args.venv, install) as install:
        for ours_name, stock_name in PAIRS:
            stock = stock_tool(stock_name)
            if stock is None:
                print(f"{ours_name:<14} stock {stock_name} missing (apt-get install fence-agents)")
                status = 1
                continue
            ours = Side(ours_name, [install.tool(ours_name), "-o", "metadata"])
            pair = time_pair(ours, Side(stock_name, [stock, "-o", "metadata"]), args.runs)
            rows.append((f"{ours_name} vs {stock_name}", pair, GOALS.get(ours_name)))
    title = f"-o metadata wall time, {args.runs} pairs; agents from {install.how}"
    return status | report("metadata", argv, install, title, rows, first="agent", write=args.write)
