"""What a scenario's ``expect`` steps check: ``(lab, step, since) -> (holds, detail)``, from the devices'
ground truth (cuts) or the stack's own answers (membership, quorum, the resource manager's records), which
the backend (harness.scenario.backend) asks for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from harness.lab_up import ConfLab
from harness.scenario.history import Event
from harness.scenario.spec import Step


class Run(Protocol):
    """What an expectation may ask of the running scenario (harness.scenario.runner.ScenarioRunner)."""

    lab: ConfLab
    backend: Any  # harness.scenario.backend: member, quorate, service as the stack says

    def cuts(self, since: float, node: str | None = None) -> list[tuple[Event, str]]: ...

    def nodeid(self, name: str) -> int: ...


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
    return r.backend.member(str(s.get("node")))  # type: ignore[no-any-return]


def _quorate(r: Run, s: Step, since: float) -> tuple[bool, str]:
    return r.backend.quorate(str(s.get("node")))  # type: ignore[no-any-return]


def _service(r: Run, s: Step, since: float) -> tuple[bool, str]:
    return r.backend.service(str(s.get("service")), str(s.get("node")), int(s.get("restarts", 0)))  # type: ignore[no-any-return]


EXPECT: dict[str, Callable[[Run, Step, float], tuple[bool, str]]] = {
    "fenced": _fenced,
    "not-fenced": _not_fenced,
    "nobody-fenced": _not_fenced,
    "member": _member,
    "quorate": _quorate,
    "service": _service,
}
