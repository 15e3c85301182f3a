"""``fencelab bench failover``: death of a service's owner -> the service answering at its floating address
on another node, against the token timeout (the bundled stack; root: nodes are machines).

Each run builds the www lab (harness.www_lab: ip + ext4 on a shared disk + a web server, NPS fencing) with
the given token timeout, waits for www on node1, then crashes node1 (every process of the machine dies; its
outlet stays on, so the survivors must fence it) and polls http://192.0.2.100/ from the lab's network every
20 ms until the page answers again from node2. The phases come from the event streams: the survivors'
view without node1, the NPS cutting node1's outlet, www starting on node2, the first answer.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.lab_up import ConfLab
from harness.machines import machines_supported
from harness.one_line_parser import OneLineParser
from harness.waiting import wait_for
from harness.www_lab import ADDRESS, PAGE, WwwLab, build_www_lab, stop_www_lab

# A client on the lab's network: told when the owner died, it polls the page every 20 ms (0.2 s connect
# timeouts) and prints when it first answers again from the new owner.
POLLER = f"""
import sys, time, urllib.request
print("ready", flush=True)
died = float(sys.stdin.readline())
while time.time() - died < 120:
    try:
        if urllib.request.urlopen("http://{ADDRESS}/index.html", timeout=0.2).read().decode() == {PAGE!r}:
            print(time.time(), flush=True)
            break
    except OSError:
        pass
    time.sleep(0.02)
"""


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def _first(items: list[float]) -> float:
    return min(items) if items else float("nan")


def crash_and_poll(lab: ConfLab, victim: str = "node1") -> tuple[float, float]:
    """Crash ``victim`` (its machine dies, its network forgets its addresses, its outlet stays on) while a
    client in the hub polls the page; (time of the crash, time the page answered again)."""
    assert lab.net is not None
    client = subprocess.Popen(lab.net.in_hub([sys.executable, "-c", POLLER]), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert client.stdin is not None and client.stdout is not None
    assert client.stdout.readline().strip() == "ready"
    died = time.time()
    lab.net.power_off(lab.nodeid(victim))
    client.stdin.write(f"{died}\n")
    client.stdin.flush()
    try:
        line = client.stdout.readline().strip()
    finally:
        client.kill()
        client.wait()
    if not line:
        raise TimeoutError("www did not answer again within 120 s")
    return died, float(line)


def outlet_cuts(lab: ConfLab, victim: str = "node1", device: str = "nps") -> list[float]:
    """When the NPS cut the victim's outlet (its plug is its node id in the www labs)."""
    plug = str(lab.nodeid(victim))
    return [float(str(e["t"])) for e in _events(lab.events_file(device))
            if e["kind"] == "outlet" and e["outlet"] == plug and not e["on"]]  # fmt: skip


def measure_once(root: Path, token_ms: int) -> dict[str, float]:
    """One failover: seconds from the crash to each phase."""
    www: WwwLab = build_www_lab(root, token=token_ms)
    try:
        wait_for("www on node1", lambda: www.running("www", "node1"), 60, retry_on=(OSError,))
        wait_for("the page", www.http, 20)
        died, answered = crash_and_poll(www.lab)
        node2 = _events(www.lab.run_dir("node2") / "events.jsonl")
        views = [float(str(e["t"])) for e in node2 if e["kind"] == "view" and 1 in (e.get("failed") or [])]
        starts = [
            float(str(e["t"]))
            for e in node2
            if e["kind"] == "service" and e.get("owner") == "node2" and e.get("state") == "starting"
        ]
        return {
            "detected": _first([t for t in views if t >= died]) - died,
            "fenced": _first([t for t in outlet_cuts(www.lab) if t >= died]) - died,
            "started": _first([t for t in starts if t >= died]) - died,
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
