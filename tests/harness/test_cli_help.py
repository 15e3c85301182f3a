"""`fencelab bench --help` lists every benchmark with its run time; `fencelab demo --help` is plain text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from harness.tools import our_tool, run

BENCH_DIR = Path(__file__).resolve().parents[2] / "harness" / "bench"


def benchmarks() -> set[str]:
    """The modules of harness/bench that are benchmarks (they have a main)."""
    found = set()
    for path in BENCH_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            found.add(path.stem)
    return found


def test_bench_help_lists_every_benchmark_with_its_run_time() -> None:
    done = run([our_tool("fencelab"), "bench", "--help"], timeout=30)
    assert done.returncode == 0 and done.stderr == ""
    rows = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  ")}
    assert set(rows) == benchmarks() >= {"cluster", "nps_sessions", "metadata", "nps", "ipmi", "san"}
    for name, line in rows.items():
        assert re.search(r"~\d+ (s|min)$", line), f"{name}: no run time in {line!r}"
    assert run([our_tool("fencelab"), "bench"], timeout=30).returncode == 2  # no benchmark named: a mistake


def test_demo_help_is_plain_text() -> None:
    done = run([our_tool("fencelab"), "demo", "--help"], timeout=30)
    assert done.returncode == 0
    assert ":mod:" not in done.stdout and "``" not in done.stdout
    assert "an NPS power switch, an IPMI BMC, a SAN switch" in " ".join(done.stdout.split())
