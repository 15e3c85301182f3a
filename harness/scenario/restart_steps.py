"""``restart-cluster``: CTS's whole-cluster restart. Every node's stack leaves cleanly at once (as
``cman_tool leave`` does: services stopped first), then every stack starts again; with ``power = true``
every node's power is cut at once through its own devices (outlets and chassis), and after ``off`` seconds
the devices switch it back on and the machines boot."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from cluster.daemon.control import ControlError
from harness.lab_up import ConfLab
from harness.scenario.history import Wiring
from harness.scenario.spec import Step
from harness.waiting import wait_for

LEAVE_TIMEOUT = 10.0  # cman_tool leave's own default wait (-t)


class Run(Protocol):
    lab: ConfLab

    def emit(self, kind: str, **fields: Any) -> None: ...

    def ask(self, name: str, cmd: str, **args: Any) -> dict[str, Any]: ...

    def wiring(self) -> Wiring: ...


def restart_cluster(r: Run, s: Step) -> None:
    assert r.lab.plan is not None
    nodes = list(r.lab.plan.nodes.values())
    if s.get("power", False):
        r.emit("restart", nodes=nodes, how="power")
        _switch_all(r, on=False)
        time.sleep(float(s.get("off", 1.0)))  # the schedule: how long the power stays off
        _switch_all(r, on=True)
        return
    r.emit("restart", nodes=nodes, how="clean")

    def leave(node: str) -> None:
        try:
            r.ask(node, "leave")
        except (ControlError, OSError):
            pass  # it may stop before it answers; a node that was down stays so

    with ThreadPoolExecutor(len(nodes)) as pool:  # at once, as CTS's SimulStop
        list(pool.map(leave, nodes))
    try:
        wait_for("every stack to stop", lambda: not any(r.lab.node_running(n) for n in nodes), LEAVE_TIMEOUT)
    except AssertionError:
        running = ", ".join(n for n in nodes if r.lab.node_running(n))
        raise RuntimeError(
            f"step {s.index}: {running} still running {LEAVE_TIMEOUT:g} s after leaving"
        ) from None
    for node in nodes:
        r.lab.start_node(node)


def _switch_all(r: Run, on: bool) -> None:
    """Every power feed of every node switched at its device (the devices log it: ground truth)."""
    for node, feeds in r.wiring().feeds.items():
        for feed in feeds:
            if feed.kind != "power":
                continue
            emu = r.lab.devices[feed.src]
            request: dict[str, Any] = {"cmd": "power", "on": on}
            request.update({"bmc": feed.src} if emu.kind == "bmc" else {"plug": feed.point})
            answer = emu.control(request)
            if not answer.get("ok", True):
                raise RuntimeError(f"{feed.src}: cannot switch {node}'s power: {answer.get('error')}")
