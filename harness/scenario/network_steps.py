"""Scenario steps that break the lab network in the nodes' kernels (harness.netfault): loss, delay, a
one-way partition; ``heal`` removes them. They need nodes that are machines (root)."""

from __future__ import annotations

from typing import Any, Protocol

from harness.lab_up import ConfLab
from harness.netfault import NetFaults
from harness.scenario.spec import Step


class Run(Protocol):
    """What these steps use of the running scenario (harness.scenario.runner.ScenarioRunner)."""

    lab: ConfLab
    netfaults: NetFaults | None

    def emit(self, kind: str, **fields: Any) -> None: ...


def _faults(r: Run, s: Step) -> NetFaults:
    if r.lab.net is None:
        raise RuntimeError(f"step {s.index}: {s.do} needs a machine lab (root)")
    if r.netfaults is None:
        r.netfaults = NetFaults()
    return r.netfaults


def _netns(r: Run, node: str) -> str:
    assert r.lab.net is not None
    return r.lab.net.nodes[r.lab.nodeid(node)].name


def _peers(r: Run, s: Step) -> list[str]:
    """The step's peers (default: every other node) as addresses."""
    assert r.lab.plan is not None
    node = str(s.get("node"))
    names = [str(p) for p in s.get("peers") or [n for n in r.lab.plan.nodes.values() if n != node]]
    return [r.lab.address(n) for n in names]


def loss(r: Run, s: Step) -> None:
    faults, node, oneway = _faults(r, s), str(s.get("node")), bool(s.get("oneway", False))
    r.emit("fault", target=node, fault="loss", percent=s.get("percent"), peers=s.get("peers"), oneway=oneway)
    faults.loss(_netns(r, node), _peers(r, s), float(s.get("percent")), outbound=not oneway)


def delay(r: Run, s: Step) -> None:
    faults, node, oneway = _faults(r, s), str(s.get("node")), bool(s.get("oneway", False))
    ms, jitter = float(s.get("ms")), float(s.get("jitter", 0.0))
    r.emit("fault", target=node, fault="delay", ms=ms, jitter=jitter, peers=s.get("peers"), oneway=oneway)
    faults.delay(_netns(r, node), _peers(r, s), ms, jitter, outbound=not oneway, seed=s.index)


def oneway_partition(r: Run, s: Step) -> None:
    """groups[0] -/-> every later group: the receivers drop what the senders send, by source address; the
    other way still flows."""
    faults = _faults(r, s)
    groups = [[str(n) for n in g] for g in s.get("groups")]
    senders, deaf = groups[0], [n for g in groups[1:] for n in g]
    for node in senders:
        r.emit("fault", target=node, fault="partition", oneway=True, unheard_by=deaf)
    for node in deaf:
        r.emit("fault", target=node, fault="partition", oneway=True, deaf_to=senders)
        faults.loss(_netns(r, node), [r.lab.address(n) for n in senders], 100.0, outbound=False)


def heal(r: Run) -> None:
    if r.netfaults is not None:
        r.netfaults.clear()
