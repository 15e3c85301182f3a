"""Randomized schedules over the whole cluster's cores, checked against ground truth.

FENCELAB_RM_SIM_SCHEDULES=N runs N schedules instead of the default (e.g. 20000 before a release).
"""

from __future__ import annotations

import os

import pytest

from cluster.rm.core import RmCore
from cluster.rm.simulation import Faults, RmSimulation, random_schedule

from .sim_support import NAMES
from .support import rm_from_text

SCHEDULES = int(os.environ.get("FENCELAB_RM_SIM_SCHEDULES", "300"))
BODY = """<failoverdomains>
<failoverdomain name="d" ordered="1" restricted="1"><failoverdomainnode name="node1" priority="1"/>
<failoverdomainnode name="node2" priority="2"/></failoverdomain>
<failoverdomain name="e" ordered="1" nofailback="1">
<failoverdomainnode name="node3" priority="1"/></failoverdomain>
</failoverdomains>
<service name="www" domain="d" max_restarts="2" restart_expire_time="60">
  <fs name="f" device="/d" mountpoint="/m"><script name="s" file="/x"/></fs>
</service>
<service name="db" domain="e" recovery="relocate">
  <script name="s2" file="/y" __independent_subtree="1"/></service>
<service name="big" exclusive="1" autostart="0"><script name="s3" file="/z"/></service>
<service name="dep" depend="db" recovery="restart-disable" max_restarts="1">
  <script name="s4" file="/w"/></service>"""


def run(seed: int, core_class: type[RmCore] = RmCore, duration: float = 120.0) -> RmSimulation:
    conf, problems = rm_from_text(BODY)
    assert problems == []
    sim = RmSimulation(conf, dict(NAMES), seed, core_class=core_class)
    sim.boot_all()
    random_schedule(sim, duration, 8)
    sim.run_until(sim.now + duration + 30.0)
    return sim


def test_random_schedules_never_break_the_safety_properties() -> None:
    starts = 0
    for seed in range(SCHEDULES):
        sim = run(seed)
        assert sim.violations == [], f"seed {seed}: {sim.violations[:3]}"
        starts += sim.starts
    assert starts > SCHEDULES * 3  # services really moved around: the checks were exercised


def test_services_come_back_once_the_faults_stop() -> None:
    """Liveness: after the last fault, with every node booted and healed, every service runs again."""
    conf, _ = rm_from_text(BODY)
    quiet = Faults(start_fail=0.0, stop_fail=0.0, status_fail=0.0)
    for seed in range(30):
        sim = RmSimulation(conf, dict(NAMES), seed, faults=quiet)
        sim.boot_all()
        random_schedule(sim, 60.0, 6, requests=False)
        sim.run_until(sim.now + 70.0)
        sim.hung.clear()
        sim.heal()
        for node in NAMES:
            sim.boot(node)
        sim.run_until(sim.now + 120.0)
        core = sim.cores[1]
        assert core is not None and sim.violations == []
        states = {name: (rec.state.word, rec.owner) for name, rec in core.records.items()}
        assert states == {
            "service:www": ("started", 1),  # back on its preferred node (failback)
            "service:db": ("started", states["service:db"][1]),
            "service:big": ("disabled", 0),
            "service:dep": ("started", states["service:dep"][1]),
        }, (seed, states)


class NoFenceGate(RmCore):
    def fenced_since_failure(self, nodeid: int) -> bool:
        return nodeid not in self.members


class NoHistoryGate(RmCore):
    def check_history(self) -> None:
        self.history = True


@pytest.mark.parametrize("broken", [NoFenceGate, NoHistoryGate])
def test_the_checks_catch_a_core_without_its_gate(broken: type[RmCore]) -> None:
    caught = sum(1 for seed in range(60) if run(seed, broken).violations)
    assert caught > 0
