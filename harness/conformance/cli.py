"""``fencelab conformance --agent PATH --device nps|bmc|san|pdu``: run the fence agent contract.

Exit 0 when every applicable check passed, 1 when one failed, 2 for a usage error.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.conformance.checks import CHECKS, Context, Result
from harness.conformance.devices import KINDS, Device
from harness.conformance.invoke import read_metadata
from harness.conformance.report import junit_xml, text_table
from harness.one_line_parser import OneLineParser


def run_suite(agent: str, device: str, stock: str | None = None, only: Sequence[str] = ()) -> list[Result]:
    out, meta = read_metadata(agent)
    if meta is None:
        first = (out.stderr or out.stdout).strip().splitlines()
        return [Result("metadata/exit", False, f"exit {out.returncode}: {first[-1] if first else 'no XML'}")]
    stock_meta = read_metadata(stock)[1] if stock else None
    dev = Device(KINDS[device], snmp="community" in meta.params)
    try:
        ctx = Context(agent, dev, meta, stock_meta)
        results: list[Result] = []
        for name, check in CHECKS.items():
            if not only or name in only:
                results += list(check(ctx))
        return results
    finally:
        dev.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="fencelab conformance", description=__doc__.splitlines()[0])
    parser.add_argument("--agent", required=True, help="the fence agent executable to check (ours or stock)")
    parser.add_argument("--device", required=True, choices=sorted(KINDS), help="the emulated device to fence")
    parser.add_argument(
        "--stock", help="the stock agent it replaces: check every stock parameter is accepted"
    )
    parser.add_argument("--only", action="append", choices=sorted(CHECKS), default=[], help="run only these")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML")
    args = parser.parse_args(argv)
    agent = args.agent if os.sep in args.agent else (shutil.which(args.agent) or args.agent)
    if not (Path(agent).is_file() and os.access(agent, os.X_OK)):
        print(f"fencelab conformance: {args.agent} is not an executable file", file=sys.stderr)
        return 2
    results = run_suite(agent, args.device, args.stock, args.only)
    sys.stdout.write(text_table(agent, args.device, results))
    if args.junit:
        Path(args.junit).write_text(junit_xml(agent, args.device, results))
    return 1 if any(r.ok is False for r in results) else 0
