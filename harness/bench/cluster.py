"""``fencelab bench cluster``: how fast a dead node gets fenced, as a function of the token timeout.

For each token timeout, SIGKILL a node of a 3-node :class:`~harness.lab.ClusterLab` and measure (from the
node daemon's fence history and the fence_call events of its event stream) death -> fence agent started,
and death -> fence success. Also the RSS of a node daemon.
"""

from __future__ import annotations

import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness.bench import cluster_scale
from harness.lab import ClusterLab, wait_for
from harness.one_line_parser import OneLineParser

TOKENS = "300,500,1000,2000"


# ---- the benchmark ----------------------------------------------------------------------------------
def measure_once(root: Path, token_ms: int) -> tuple[float, float, float, int]:
    """SIGKILL node 3 of a 3-node lab: (seconds to agent start, seconds to fence success, the agent's own
    run time, RSS KiB). Success minus the agent's run time is the cluster's share (detection, fenced)."""
    with ClusterLab(root, nodes=3, token_ms=token_ms) as lab:
        lab.wait_up()
        rss = lab.rss_kib(1)
        pid = lab.pid(3)
        assert pid is not None
        died = time.time()
        os.kill(pid, signal.SIGKILL)
        records = wait_for(
            "node3 fenced",
            lambda: [r for r in lab.history(1, "node3") if r["result"] == "success"],
            token_ms / 1000 * 10 + 20,
        )
        starts = [e["t"] for e in lab.events(1, "fence_call") if e["victim"] == "node3"]
        return starts[0] - died, records[0]["time"] - died, records[0]["duration"], rss


def main(argv: Sequence[str] | None = None) -> int:
    p = OneLineParser(prog="fencelab bench cluster", description=__doc__.splitlines()[0])
    p.add_argument("--tokens", default=TOKENS, help="token timeouts, ms (--nodes: one; 1000)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--dir", default=None, help="work directory (default: a new one under /tmp)")
    p.add_argument("--nodes", default="", help="cluster sizes, e.g. 3,16,32 (cluster_scale)")
    p.add_argument("--order", choices=("up", "down", "random"), default="up", help="--nodes: join order")
    p.add_argument("--names", choices=("names", "addresses"), default="names", help="--nodes: node names")
    p.add_argument("--cpu-window", type=float, default=10.0, help="--nodes: seconds of steady CPU sampled")
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    base = Path(args.dir or tempfile.mkdtemp(prefix="fencelab-bench-cluster-"))
    if args.nodes:
        token = int(args.tokens.split(",")[0]) if args.tokens != TOKENS else 1000
        load = Path("/proc/loadavg").read_text().split()[:3]
        runs = [
            cluster_scale.measure(base / f"n{n}-{run}", n, token, args.order, args.names, args.cpu_window)
            for n in [int(x) for x in args.nodes.split(",")]
            for run in range(args.runs)
        ]
        cluster_scale.report(runs, " ".join(load))
        return 0
    heads = ("death->agent start", "death->fence success", "minus the agent's run")
    print(f"{'token ms':>8} " + " ".join(f"{h + ' (median, s)':>34}" for h in heads))
    rss_all: list[int] = []
    for token in [int(t) for t in args.tokens.split(",")]:
        starts, dones, shares = [], [], []
        for run in range(args.runs):
            start, done, agent, rss = measure_once(base / f"t{token}-{run}", token)
            starts.append(start)
            dones.append(done)
            shares.append(done - agent)
            rss_all.append(rss)
        print(f"{token:8d} " + " ".join(f"{statistics.median(v):34.3f}" for v in (starts, dones, shares)))
    print(f"node daemon RSS: median {statistics.median(rss_all) / 1024:.1f} MiB ({len(rss_all)} samples)")
    return 0
