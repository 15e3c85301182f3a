"""``fencelab bench all``: the agent benches (metadata, nps, ipmi, san, redfish) on one install, built once.

``--venv PATH`` and ``--write`` are passed on to each; without ``--venv`` one fresh venv is built from the
wheel for all of them and removed at the end. Exit status 1 when any bench missed a goal or failed a run.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from harness.bench.install import bench_install
from harness.one_line_parser import OneLineParser

BENCHES = ("metadata", "nps", "ipmi", "san", "redfish")


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench all")
    parser.add_argument("--venv", metavar="PATH", help="the install to measure (default: a fresh one)")
    parser.add_argument("--write", action="store_true", help="write every table into docs/BENCHMARKS.md")
    args = parser.parse_args(list(argv))
    status = 0
    with bench_install(args.venv) as install:
        for name in BENCHES:
            bench = importlib.import_module(f"harness.bench.{name}")
            print(f"== fencelab bench {name}", flush=True)
            status |= int(bench.main(["--write"] if args.write else [], install=install))
            print(flush=True)
    return status
