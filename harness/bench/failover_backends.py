"""``fencelab bench failover --backend bundled,pacemaker``: the same failover on both cluster stacks.

Both backends run the same cluster.conf (harness.pacemaker.www_lab.write_conf: three nodes, NPS fencing, www =
Filesystem on an ext4 loop image + IPaddr2 192.0.2.100 + an LSB web server, ordered domain node1 first) with
the same token timeout, as paired runs (bundled, pacemaker, bundled, pacemaker...). Each run: lab up, www
answering on node1, node1 crashed (its machine dies, its outlet stays on), a client in the hub polling the
page every 20 ms (harness.bench.failover). Figures: lab up, death -> the NPS cutting node1's outlet (from
the NPS's events), death -> the page answering from a survivor; the paired ratio bundled/pacemaker of the
last (goal <= 1.0: the bundled stack fails over no slower than Pacemaker).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from harness.bench.failover_probe import crash_and_poll, outlet_cuts
from harness.bench.timing import machine_note, write_section
from harness.lab_up import ConfLab
from harness.pacemaker.lab import PacemakerLab, shared_agents
from harness.pacemaker.www_lab import PacemakerWww, write_conf
from harness.waiting import wait_for
from harness.www_lab import GroundTruth, WwwLab

PHASES = ("up", "fenced", "answered")


def measure(root: Path, token_ms: int, backend: str) -> dict[str, float]:
    """One failover on ``backend``: seconds for the lab to come up, and from the crash to each phase."""
    conf = write_conf(root, "nps", token_ms)
    lab: ConfLab = PacemakerLab(conf, root / "lab") if backend == "pacemaker" else ConfLab(conf, root / "lab")
    began = time.monotonic()
    lab.start()
    try:
        up = time.monotonic() - began
        www = WwwLab(lab, GroundTruth(lab, str(root / "www")), root)
        if isinstance(lab, PacemakerLab):
            view = PacemakerWww(lab, www, str(root / "www"))
            wait_for("www on node1", lambda: view.owner("node2") == "node1", 60)
        else:
            wait_for("www on node1", lambda: www.running("www", "node1"), 60, retry_on=(OSError,))
        wait_for("the page", www.http, 30)
        died, answered = crash_and_poll(lab)
        cuts = [t for t in outlet_cuts(lab) if t >= died]
        return {"up": up, "fenced": (min(cuts) if cuts else float("nan")) - died, "answered": answered - died}
    finally:
        lab.stop()


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def compare(
    backends: Sequence[str], tokens: Sequence[int], runs: int, write: bool, argv: Sequence[str]
) -> int:
    """Paired runs per token timeout; prints (and with ``write`` records) medians and the paired ratio."""
    status = 0
    lines = [
        f"`fencelab bench {' '.join(argv)}` — {machine_note()} (a shared machine: figures are noisy). "
        f"Seconds, median (min-max) of {runs} runs, backends alternating:",
        "",
        "| token | backend | lab up | death -> NPS cuts node1 | death -> page answers "
        "| paired ratio bundled/pacemaker | goal |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    print(lines[0])
    if "pacemaker" in backends:
        shared_agents()  # once, before any lab is timed
    for token in tokens:
        results: dict[str, list[dict[str, float]]] = {b: [] for b in backends}
        for _ in range(runs):
            for backend in backends:
                with tempfile.TemporaryDirectory(prefix="fl-bench-failover-") as tmp:
                    results[backend].append(measure(Path(tmp), token, backend))
        ratios = []
        if len(backends) == 2:
            ratios = [
                b["answered"] / p["answered"]
                for b, p in zip(results["bundled"], results["pacemaker"], strict=True)
            ]
        ratio = statistics.median(ratios) if ratios else float("nan")
        met = ratio <= 1.0 if ratios else None
        if met is False:
            status = 1
        for backend in backends:
            cells = [_cell([r[phase] for r in results[backend]]) for phase in PHASES]
            judged = f"{ratio:.2f}x" if ratios else "-"
            goal = ("≤ 1.0: met" if met else "≤ 1.0: MISSED") if ratios else "-"
            row = f"| {token} ms | {backend} | {' | '.join(cells)} | {judged} | {goal} |"
            lines.append(row)
            print(f"token {token} ms  {backend:<10} up {cells[0]}  fenced {cells[1]}  answered {cells[2]}")
        if ratios:
            print(f"token {token} ms  paired ratio bundled/pacemaker (answered): {ratio:.2f}x  goal <= 1.0: "
                  + ("met" if met else "MISSED"))  # fmt: skip
    if write:
        write_section("failover-backends", lines)
    return status
