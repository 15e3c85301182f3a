"""The Pacemaker stack's own view during a scenario, as an event stream in our schema (docs/events.md).

One thread per lab node runs ``crm_mon -1 --output-as=xml`` inside that node (nsenter into its PID 1's
mount and network namespaces, as harness.pacemaker.lab does) every PERIOD seconds while the node's machine
runs; every answer goes through one differ (harness.pacemaker.history_differ) and its events are appended
to ``pacemaker.events.jsonl``, which the scenario runner merges like the node daemons' streams of the
bundled stack. Every live node is asked, not only one survivor: a partition has one view per side, and the
invariants need both. A node that is down, hung or not answering within ASK_TIMEOUT is skipped; once its
machine is down or booted again (another PID 1), its next answer is a new life (a ``start``). Ground
truth (device logs, namespace probes) does not come from here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from harness.pacemaker.history_differ import Differ
from harness.pacemaker.observe import ObserveError, Snapshot, parse_crm_mon

PERIOD = 0.2
ASK_TIMEOUT = 2.0  # a hung node's crm_mon blocks on its CIB: give up, ask again next round
CRM_MON = ("crm_mon", "-1", "--output-as=xml")
_VOLATILE = re.compile(r"<last_update [^>]*/>|<pacemakerd [^>]*/>")  # change on every call


def fence_devices(lab: Any) -> dict[str, tuple[str, ...]]:
    """node -> the lab's fence devices that power or isolate it (for the fence events' ``device``)."""
    out: dict[str, list[str]] = {}
    for device in lab.plan.devices if lab.plan is not None else ():
        for node in {f.node for f in device.feeds} | set(device.hosts.values()):
            out.setdefault(node, []).append(device.name)
    return {n: tuple(sorted(d)) for n, d in out.items()}


class Poller:
    """``start()`` polls until ``close()``; ``latest(node)`` is that node's last snapshot (expectations)."""

    def __init__(
        self,
        lab: Any,
        path: Path,
        period: float = PERIOD,
        services: Mapping[str, str] | None = None,
        raw: Path | None = None,
    ) -> None:
        self.lab = lab
        self.path = Path(path)
        # every answer as {"t", "asked", "node", "xml"} lines, xml null when the node's state did not change
        self.raw = raw
        self._raw_last: dict[str, str] = {}
        self.period = period
        self.differ = Differ(services=dict(services or {}), devices=fence_devices(lab))
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.snapshots: dict[str, Snapshot] = {}
        self.threads: list[threading.Thread] = []
        self._fd: int | None = None

    def start(self) -> None:
        assert self.lab.plan is not None
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        for name in self.lab.plan.nodes.values():
            thread = threading.Thread(target=self._run, args=(name,), daemon=True, name=f"poll-{name}")
            thread.start()
            self.threads.append(thread)

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(ASK_TIMEOUT + 5)
        self.threads.clear()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def latest(self, node: str) -> Snapshot | None:
        with self.lock:
            return self.snapshots.get(node)

    # ---- one node ------------------------------------------------------------------------------------
    def machine(self, name: str) -> int | None:
        """The host pid of the node machine's PID 1: None while it is down, another one after a reboot."""
        net = self.lab.net
        return net.init_pid(self.lab.nodeid(name)) if net is not None else None

    def ask(self, name: str, init: int) -> Snapshot | None:
        """One crm_mon inside the node whose PID 1 is ``init``; None when its stack does not answer."""
        asked = time.time()
        try:
            done = subprocess.run(["nsenter", "-t", str(init), "-m", "-n", "--", *CRM_MON],
                                  capture_output=True, text=True, timeout=ASK_TIMEOUT)  # fmt: skip
        except (subprocess.TimeoutExpired, OSError):
            return None
        if done.returncode != 0:
            return None
        try:
            snap = parse_crm_mon(done.stdout, time.time(), name, asked)
        except ObserveError:
            return None
        self._keep_raw(snap, done.stdout)
        return snap

    def _keep_raw(self, snap: Snapshot, xml: str) -> None:
        if self.raw is None:
            return
        stable = _VOLATILE.sub("", xml)
        same = self._raw_last.get(snap.node) == stable
        self._raw_last[snap.node] = stable
        row = {"t": snap.t, "asked": snap.asked, "node": snap.node, "xml": None if same else xml}
        line = json.dumps(row) + "\n"
        with open(self.raw, "a", encoding="utf-8") as fh:
            fh.write(line)

    def _run(self, name: str) -> None:
        life: int | None = None  # the machine's PID 1 when its stack last answered
        while not self.stop.is_set():
            began = time.monotonic()
            init = self.machine(name)
            snap = self.ask(name, init) if init is not None else None
            with self.lock:
                if init != life:  # down, or booted again: its next answer is a new life
                    self.snapshots.pop(name, None)
                    self._write(self.differ.silent(name, time.time()))
                    life = None
                if snap is not None:  # (a stack that is slow to answer once is not a new life)
                    self.snapshots[name] = snap
                    self._write(self.differ.feed(snap))
                    life = init
            self.stop.wait(max(self.period - (time.monotonic() - began), 0.01))

    def _write(self, events: list[dict[str, Any]]) -> None:
        if self._fd is None:
            return
        for event in events:
            os.write(self._fd, (json.dumps({"src": "pacemaker", **event}) + "\n").encode())
