"""``fencelab bench failover``: death of a service's owner -> the service answering at its floating address
on another node, against the token timeout (the bundled stack; root: nodes are machines).

Each run builds the www lab (harness.www_lab: ip + ext4 on a shared disk + a web server, NPS fencing) with
the given token timeout, waits for www on node1, then crashes node1 (every process of the machine dies; its
outlet stays on, so the survivors must fence it) and polls http://192.0.2.100/ from the lab's network every
20 ms until the page answers again from node2. The phases come from the event streams: the survivors'
view without node1, the NPS cutting node1's outlet, www starting on node2, the first answer.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness.bench.failover_probe import crash_and_poll, events, first, outlet_cuts
from harness.machines import machines_supported
from harness.one_line_parser import OneLineParser
from harness.waiting import wait_for
from harness.www_lab import WwwLab, build_www_lab, stop_www_lab


def measure_once(root: Path, token_ms: int) -> dict[str, float]:
    """One failover: seconds from the crash to each phase."""
    www: WwwLab = build_www_lab(root, token=token_ms)
    try:
        wait_for("www on node1", lambda: www.running("www", "node1"), 60, retry_on=(OSError,))
        wait_for("the page", www.http, 20)
        died, answered = crash_and_poll(www.lab)
        node2 = events(www.lab.run_dir("node2") / "events.jsonl")
        views = [float(str(e["t"])) for e in node2 if e["kind"] == "view" and 1 in (e.get("failed") or [])]
        starts = [
            float(str(e["t"]))
            for e in node2
            if e["kind"] == "service" and e.get("owner") == "node2" and e.get("state") == "starting"
        ]
        return {
            "detected": first([t for t in views if t >= died]) - died,
            "fenced": first([t for t in outlet_cuts(www.lab) if t >= died]) - died,
            "started": first([t for t in starts if t >= died]) - died,
            "answered": answered - died,
        }
    finally:
        stop_www_lab(www)


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench failover", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="failovers per token timeout (3)")
    parser.add_argument("--token", type=int, action="append", help="token timeout in ms (1000; repeatable)")
    parser.add_argument(
        "--backend",
        default="bundled",
        help="bundled (default), pacemaker, or bundled,pacemaker: paired runs of both on the same conf",
    )
    parser.add_argument("--write", action="store_true", help="write the figures into docs/BENCHMARKS.md")
    args = parser.parse_args(list(argv))
    why = machines_supported()
    if why:
        print(f"fencelab bench failover: {why}", file=sys.stderr)
        return 1
    tokens = args.token or [1000]
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    if not backends or set(backends) - {"bundled", "pacemaker"}:
        parser.error(f"--backend {args.backend}: name bundled, pacemaker or both")
    if backends != ["bundled"]:
        from harness.bench.failover_backends import compare

        return compare(backends, tokens, args.runs, args.write, ["failover", *argv])
    print("death of the owner -> www answering on node2 (seconds, median of", args.runs, "runs; min-max)")
    print(f"{'token':>7}  {'detected':>16}  {'fenced':>16}  {'started':>16}  {'answered':>16}  goal")
    for token in tokens:
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="fl-bench-failover-") as tmp:
                runs.append(measure_once(Path(tmp), token))
        cells = []
        for phase in ("detected", "fenced", "started", "answered"):
            values = [r[phase] for r in runs]
            cells.append(f"{statistics.median(values):6.2f} ({min(values):.2f}-{max(values):.2f})")
        goal = token / 1000 + 1.0
        met = statistics.median(r["answered"] for r in runs) <= goal
        verdict = "met" if met else "MISSED"
        print(f"{token:>5}ms  {'  '.join(f'{c:>16}' for c in cells)}  <= {goal:.1f} s: {verdict}")
    return 0
