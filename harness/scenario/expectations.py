"""What a scenario's ``expect`` steps check: ``(lab, step, since) -> (holds, detail)``, from the devices'
ground truth (cuts) or the nodes' own answers (membership, quorum, the resource manager's records)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from cluster.daemon.control import ControlError
from harness.lab_up import ConfLab
from harness.scenario.history import Event
from harness.scenario.spec import Step


class Run(Protocol):
    """What an expectation may ask of the running scenario (harness.scenario.runner.ScenarioRunner)."""

    lab: ConfLab

    def cuts(self, since: float, node: str | None = None) -> list[tuple[Event, str]]: ...

    def nodeid(self, name: str) -> int: ...

    def ask(self, name: str, cmd: str, **args: Any) -> dict[str, Any]: ...


def _fenced(r: Run, s: Step, since: float) -> tuple[bool, str]:
    cuts = r.cuts(since, str(s.get("node")))
    if cuts:
        return True, f"{cuts[0][0].src} cut {s.get('node')} {cuts[0][0].t - since:.2f} s after the step"
    return False, f"no device cut {s.get('node')}"


def _not_fenced(r: Run, s: Step, since: float) -> tuple[bool, str]:
    node = s.get("node")
    cuts = r.cuts(since, str(node) if node else None)
    if cuts:
        event, who = cuts[0]
        return False, f"{event.src} cut {who} {event.t - since:.2f} s after the step"
    return True, "no device cut " + (str(node) if node else "any node")


def _member(r: Run, s: Step, since: float) -> tuple[bool, str]:
    assert r.lab.plan is not None
    target = r.nodeid(str(s.get("node")))
    missing, asked = [], 0
    for name in r.lab.plan.nodes.values():
        try:
            nodes = r.ask(name, "nodes")["nodes"]
        except (ControlError, OSError):
            continue  # a node that is down has no view to ask
        asked += 1
        if not any(n["id"] == target and n["status"] == "M" for n in nodes):
            missing.append(name)
    if not asked:  # a whole cluster down (restarting) counts nobody a member
        return False, "no node answers"
    return (
        not missing,
        f"{s.get('node')} not a member for {', '.join(missing)}" if missing else "member everywhere",
    )


def _quorate(r: Run, s: Step, since: float) -> tuple[bool, str]:
    try:
        status = r.ask(str(s.get("node")), "status")["status"]
    except (ControlError, OSError) as err:
        return False, f"{s.get('node')} does not answer: {err}"
    quorate = bool(status.get("quorate"))
    return quorate, f"{s.get('node')} {'is' if quorate else 'is not'} quorate"


def _service(r: Run, s: Step, since: float) -> tuple[bool, str]:
    assert r.lab.plan is not None
    want = str(s.get("service"))
    full = want if ":" in want else f"service:{want}"
    for name in r.lab.plan.nodes.values():
        try:
            rows = r.ask(name, "rm_status")["services"]
        except (ControlError, OSError):
            continue
        row = next((x for x in rows if x["name"] == full), None)
        if row is not None:
            restarts = int(s.get("restarts", 0))
            ok = row["state"] == 112 and row["owner"] == s.get("node") and row["restarts"] >= restarts
            detail = (
                f"{full} is {row['state']} on {row['owner']}, {row['restarts']} restarts (as {name} knows it)"
            )
            return ok, detail
    return False, "no node answers about its services"


EXPECT: dict[str, Callable[[Run, Step, float], tuple[bool, str]]] = {
    "fenced": _fenced,
    "not-fenced": _not_fenced,
    "nobody-fenced": _not_fenced,
    "member": _member,
    "quorate": _quorate,
    "service": _service,
}
