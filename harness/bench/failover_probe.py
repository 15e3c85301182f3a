"""What both failover benches share: a client in the hub polling the www page while the owner crashes, and
the NPS's record of cutting it (harness.bench.failover, harness.bench.failover_backends)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from harness.lab_up import ConfLab
from harness.www_lab import ADDRESS, PAGE

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


def events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def first(items: list[float]) -> float:
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
    return [float(str(e["t"])) for e in events(lab.events_file(device))
            if e["kind"] == "outlet" and e["outlet"] == plug and not e["on"]]  # fmt: skip
