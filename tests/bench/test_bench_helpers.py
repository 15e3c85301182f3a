"""The benchmarks' shared helpers: A B A B pairing, paired ratios, the BENCHMARKS.md writer, the options.
No figure is judged here (timing in tests is noise); the runs are `true`/`false` processes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.bench.install import add_bench_options, command_line
from harness.bench.timing import Side, markdown_rows, time_pair, write_section
from harness.one_line_parser import OneLineParser


def test_pair_alternates_and_pairs_the_ratios() -> None:
    order: list[str] = []
    true, false = shutil.which("true"), shutil.which("false")
    assert true and false
    a = Side("a", [true], before_each=lambda: order.append("a"))
    b = Side("b", [false], before_each=lambda: order.append("b"))
    pair = time_pair(a, b, runs=3, warmup=1)
    assert order == ["a", "b"] * 4  # one warm-up pair, then three: A B A B ...
    assert (len(pair.ours.samples), pair.ours.failures) == (3, 0)
    assert (len(pair.stock.samples), pair.stock.failures) == (0, 3)  # `false` fails: not a sample
    assert pair.ratios == ()  # no pair where both succeeded
    both = time_pair(Side("a", [true]), Side("b", [true]), runs=3, warmup=0)
    assert len(both.ratios) == 3 and both.ratio > 0
    row = markdown_rows([("status", both, 0.5)], "ours", "stock")
    assert row[0] == "| action | ours | stock | paired ratio | goal |"
    assert row[2].startswith("| status | ") and row[2].count("|") == 6


def test_write_section_replaces_only_its_block(tmp_path: Path) -> None:
    docs = tmp_path / "BENCHMARKS.md"
    docs.write_text("# Benchmarks\n\nintro\n<!-- bench ipmi -->\nold\n<!-- /bench ipmi -->\n\ntail\n")
    write_section("ipmi", ["new 1", "new 2"], docs)
    assert docs.read_text() == (
        "# Benchmarks\n\nintro\n<!-- bench ipmi -->\nnew 1\nnew 2\n<!-- /bench ipmi -->\n\ntail\n"
    )
    write_section("nps", ["n"], docs)  # no markers yet: appended
    assert docs.read_text().endswith("tail\n\n<!-- bench nps -->\nn\n<!-- /bench nps -->\n")


def test_bench_options_and_the_command_shown() -> None:
    parser = OneLineParser(prog="fencelab bench ipmi")
    add_bench_options(parser, runs=7)
    args = parser.parse_args(["--venv", "/tmp/v", "--write"])
    assert (args.runs, args.venv, args.write) == (7, "/tmp/v", True)
    assert command_line("ipmi", ["--runs", "5", "--write"]) == "fencelab bench ipmi --runs 5"
    with pytest.raises(SystemExit):
        parser.parse_args(["--runs", "x"])
