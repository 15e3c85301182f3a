"""Ground truth of the nodes themselves, for the single-active invariant: which node has a floating address
configured and which has a service's filesystem mounted, read from the nodes' namespaces (machine labs),
written as ``probe`` events when it changes."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.lab_up import ConfLab

PERIOD = 0.05


def resources_of(lab: ConfLab) -> tuple[list[str], list[str]]:
    """The conf's floating addresses (``<ip address>``) and mountpoints (``<fs mountpoint>``)."""
    addresses: list[str] = []
    mountpoints: list[str] = []
    if lab.conf is None or lab.conf.rm is None:
        return addresses, mountpoints
    todo = [lab.conf.rm]
    while todo:
        el = todo.pop()
        todo += list(el.children)
        if el.tag == "ip" and el.get("address"):
            addresses.append(str(el.get("address")).split("/")[0])
        elif el.tag == "fs" and el.get("mountpoint"):
            mountpoints.append(str(el.get("mountpoint")).rstrip("/"))
    return sorted(set(addresses)), sorted(set(mountpoints))


class Prober:
    """Polls every PERIOD; emits ``probe`` (node, resource, present) for each change it sees."""

    def __init__(self, lab: ConfLab, emit: Callable[..., None]) -> None:
        self.lab, self.emit = lab, emit
        self.addresses, self.mountpoints = resources_of(lab)
        self.state: dict[tuple[str, str], bool] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    @property
    def useful(self) -> bool:
        return self.lab.net is not None and bool(self.addresses or self.mountpoints)

    def start(self) -> None:
        if self.useful:
            self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(5)

    def look(self) -> dict[tuple[str, str], bool]:
        net, plan = self.lab.net, self.lab.plan
        assert net is not None and plan is not None
        seen: dict[tuple[str, str], bool] = {}
        for nodeid, name in plan.nodes.items():
            out = subprocess.run(
                ["ip", "-n", net.nodes[nodeid].name, "-o", "addr"], capture_output=True, text=True, timeout=5
            ).stdout
            for address in self.addresses:
                seen[(name, f"ip:{address}")] = f" {address}/" in out
            mounts = ""
            init = net.init_pid(nodeid)
            if init is not None:
                try:
                    mounts = Path(f"/proc/{init}/mounts").read_text()
                except OSError:
                    pass
            for mountpoint in self.mountpoints:
                seen[(name, f"fs:{mountpoint}")] = f" {mountpoint} " in mounts
        return seen

    def _run(self) -> None:
        while not self.stop.wait(PERIOD):
            try:
                now = self.look()
            except (OSError, subprocess.SubprocessError):
                continue
            for (node, resource), present in sorted(now.items()):
                if self.state.get((node, resource), False) != present:
                    fields: dict[str, Any] = {"node": node, "resource": resource, "present": present}
                    self.emit("probe", **fields)
            self.state = now
