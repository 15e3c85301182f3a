"""The demo's failover act: the www service of the article's Listing 7 on three machines, its owner dies,
the survivors fence it, and only then www starts on the next node of its domain; the same page answers."""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from pathlib import Path

from harness.machines import machines_supported
from harness.timeline import Timeline
from harness.waiting import wait_for
from harness.www_lab import ADDRESS, PAGE, WwwLab, build_www_lab, stop_www_lab


def _clustat(timeline: Timeline, www: WwwLab, node: str) -> None:
    timeline.add("operator", f"clustat   (on {node})")
    out = www.tool(node, "clustat")
    for line in (out.stdout or out.stderr).rstrip().splitlines():
        print(f"{'':26}{line}")


def _page(timeline: Timeline, www: WwwLab, who: str) -> bool:
    page = wait_for(f"the page at {ADDRESS}", www.http, 20)
    timeline.add("client", f"GET http://{ADDRESS}/index.html -> {page.strip()!r}  ({who})")
    return bool(page == PAGE)


def _events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def _outlet_off(www: WwwLab, node: str, since: float) -> float:
    plug = str(www.lab.nodeid(node))
    offs = [
        float(str(e["t"]))
        for e in _events(www.lab.events_file("nps"))
        if e["kind"] == "outlet" and e["outlet"] == plug and not e["on"] and float(str(e["t"])) >= since
    ]
    return min(offs) if offs else float("inf")


def _started(www: WwwLab, node: str, since: float) -> float:
    starts = [
        float(str(e["t"]))
        for name in ("node1", "node2", "node3")
        for e in _events(www.lab.run_dir(name) / "events.jsonl")
        if e["kind"] == "service"
        and e.get("owner") == node
        and e.get("state") == "starting"
        and float(str(e["t"])) >= since
    ]
    return min(starts) if starts else float("inf")


def failover_section(timeline: Timeline) -> bool:
    why = machines_supported()
    timeline.section(f"Failover: www (ip {ADDRESS} + ext4 on a shared disk + a web server) on three machines")
    if why:
        timeline.add("demo", f"skipped: {why}")
        return True
    root = Path(tempfile.mkdtemp(prefix="fencelab-demo-www-"))
    www = build_www_lab(root, token=1000)
    try:
        wait_for("www started on node1", lambda: www.running("www", "node1"), 60, retry_on=(OSError,))
        timeline.add("rgmanager", "service:www started on node1 (best node of www-domain)")
        _clustat(timeline, www, "node2")
        ok = _page(timeline, www, "served by node1")
        pid = www.lab.node_pid("node1")
        assert pid is not None
        timeline.add("node1", f"its cluster daemon crashes: kill -9 {pid} (its web server still runs)")
        died = time.time()
        os.kill(pid, signal.SIGKILL)
        wait_for("www on node2", lambda: www.running("www", "node2"), 60, retry_on=(OSError,))
        cut, start = _outlet_off(www, "node1", died), _started(www, "node2", died)
        timeline.add(
            "nps", f"outlet {www.lab.nodeid('node1')} (node1) OFF {cut - died:.2f} s after the crash"
        )
        timeline.add(
            "rgmanager",
            f"service:www starting on node2 {start - died:.2f} s after the crash "
            f"({start - cut:+.2f} s after the cut)",
        )
        ok &= start > cut
        ok &= _page(timeline, www, "served by node2")
        _clustat(timeline, www, "node2")
        doubles = www.truth.doubles()
        timeline.add(
            "ground truth", "address and disk never on two nodes" if not doubles else f"DOUBLE: {doubles[0]}"
        )
        return ok and not doubles
    finally:
        stop_www_lab(www)
