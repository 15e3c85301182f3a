"""``fencelab bench metadata``: start-up cost of our agents, measured as ``-o metadata`` wall time against the
stock ClusterLabs agent that plays the same role, in the same run."""

from __future__ import annotations

from collections.abc import Sequence

from harness.bench.timing import ratio_header, ratio_row, time_command, warm_bytecode
from harness.one_line_parser import OneLineParser
from harness.tools import our_tool, stock_tool

PAIRS = (
    ("fence_nps", "fence_wti"),
    ("fence_ipmilan", "fence_ipmilan"),
    ("fence_ifmib", "fence_ifmib"),
    ("fence_brocade", "fence_brocade"),
)


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench metadata")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(list(argv))
    warm_bytecode()
    print(f"-o metadata wall time, median of {args.runs} runs")
    print(ratio_header("ours", "stock"))
    status = 0
    for ours_name, stock_name in PAIRS:
        stock = stock_tool(stock_name)
        try:
            ours = our_tool(ours_name)
        except FileNotFoundError:
            continue
        if stock is None:
            print(f"{ours_name:<14} stock {stock_name} missing (apt-get install fence-agents)")
            status = 1
            continue
        a = time_command(ours_name, [ours, "-o", "metadata"], args.runs)
        b = time_command(stock_name, [stock, "-o", "metadata"], args.runs)
        if a.failures:
            status = 1
        print(ratio_row(f"{ours_name}", a, b) + f"   vs {stock_name}")
    return status
