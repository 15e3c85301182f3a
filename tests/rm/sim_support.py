"""Deterministic cluster scenarios for the core: the simulation without random faults."""

from __future__ import annotations

from collections.abc import Callable

from cluster.rm.events import RunAgent, UserOp
from cluster.rm.simulation import Faults, RmSimulation
from cluster.rm.state import RgError, ServiceRecord, State

from .support import rm_from_text

NAMES = {1: "node1", 2: "node2", 3: "node3"}
QUIET = Faults(
    start_fail=0.0, stop_fail=0.0, status_fail=0.0, agent_time=(0.1, 0.1), fence_delay=(2.0, 2.0),
    fence_fail=0.0, boot_delay=(10_000.0, 10_000.0),
)  # fmt: skip


def cluster(
    body: str, rc: Callable[[int, RunAgent], int | None] | None = None, **kwargs: object
) -> RmSimulation:
    conf, problems = rm_from_text(body)
    assert problems == [], problems
    sim = RmSimulation(conf, dict(NAMES), seed=1, faults=QUIET, keep_logs=True, agent_rc=rc, **kwargs)  # type: ignore[arg-type]
    sim.boot_all()
    sim.run_until(sim.now + 5.0)
    return sim


def record(sim: RmSimulation, name: str = "service:www") -> ServiceRecord:
    """The record as the lowest live node sees it."""
    core = next(c for n, c in sorted(sim.cores.items()) if c is not None and n not in sim.hung)
    return core.records[name]


def where(sim: RmSimulation, name: str = "service:www") -> tuple[State, int]:
    rec = record(sim, name)
    return rec.state, rec.owner


def ask(sim: RmSimulation, node: int, op: UserOp, service: str = "service:www", target: int | None = None,
        wait: float = 10.0) -> RgError:  # fmt: skip
    before = len(sim.replies)
    sim.request(node, op, service, target)
    sim.run_until(sim.now + wait)
    assert len(sim.replies) > before, f"no reply to {op}"
    return sim.replies[-1].code


def logged(sim: RmSimulation, text: str) -> bool:
    return any(text in line for _, _, line in sim.logs)
