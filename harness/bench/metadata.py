"""``fencelab bench metadata``: start-up cost of our agents, measured as ``-o metadata`` wall time against the
stock ClusterLabs agent that plays the same role, alternately (A B A B) in the same run, from an install."""

from __future__ import annotations

from collections.abc import Sequence

from harness.bench.install import add_bench_options, bench_install, command_line
from harness.bench.timing import (
    Paired,
    Side,
    machine_note,
    markdown_rows,
    ratio_header,
    ratio_row,
    time_pair,
    verdict,
    write_section,
)
from harness.one_line_parser import OneLineParser
from harness.tools import stock_tool

PAIRS = (
    ("fence_nps", "fence_wti"),
    ("fence_ipmilan", "fence_ipmilan"),
    ("fence_ifmib", "fence_ifmib"),
    ("fence_brocade", "fence_brocade"),
)
GOALS = {"fence_nps": 0.6}


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench metadata")
    add_bench_options(parser, runs=20)
    args = parser.parse_args(list(argv))
    rows: list[tuple[str, Paired, float | None]] = []
    status = 0
    with bench_install(args.venv) as install:
        for ours_name, stock_name in PAIRS:
            stock = stock_tool(stock_name)
            if stock is None:
                print(f"{ours_name:<14} stock {stock_name} missing (apt-get install fence-agents)")
                status = 1
                continue
            ours = Side(ours_name, [install.tool(ours_name), "-o", "metadata"])
            pair = time_pair(ours, Side(stock_name, [stock, "-o", "metadata"]), args.runs)
            rows.append((f"{ours_name} vs {stock_name}", pair, GOALS.get(ours_name)))
    print(f"-o metadata wall time ({install.how}), {args.runs} pairs")
    print(ratio_header("ours", "stock") + "   goal")
    for what, pair, goal in rows:
        status |= 1 if pair.failures or (goal is not None and not pair.ratio <= goal) else 0
        print(ratio_row(what.split()[0], pair) + f"   vs {what.split()[-1]}   " + verdict(pair.ratio, goal))
    if args.write:
        lines = [f"`{command_line('metadata', argv)}` — {machine_note()}; agents from {install.how}.", ""]
        write_section("metadata", lines + markdown_rows(rows, "ours", "stock", first="agent"))
    return status
