"""The shipped scenarios on real Corosync 3 + Pacemaker 2.1 (harness.pacemaker.scenario_backend), judged by
the same invariants as on the bundled stack: a crash, a split brain, a resource's recovery in place, a
quiet cluster. The fencing is Pacemaker's own (its fencer running our agents against our emulators); the
verdicts come from the devices' logs and the namespace probes, the stack's view from crm_mon."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.pytest_plugin import assert_safe, require_tool, run_scenario

pytestmark = [pytest.mark.interop, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _pacemaker() -> None:
    for tool in ("corosync", "pacemakerd", "crm_mon", "stonith_admin"):
        require_tool(tool)
    if os.geteuid() != 0:
        pytest.skip("Pacemaker lab nodes are machines (network and mount namespaces): root")


def stack_events(outcome: object, kind: str) -> list[object]:
    """Events the Pacemaker poller wrote (src = a node), of one kind."""
    names = {"node1", "node2", "node3"}
    return [e for e in outcome.history.of(kind) if e.src in names]  # type: ignore[attr-defined]


def test_crash_node_is_fenced_by_pacemaker_and_rejoins(tmp_path: Path) -> None:
    outcome = run_scenario("crash-node", tmp_path, "pacemaker")
    assert_safe(outcome)
    assert outcome.backend == "pacemaker"
    [result] = [e for e in stack_events(outcome, "fence_result") if e.get("victim") == "node3"]
    assert result.get("result") == "success" and result.get("agent") == "pacemaker-fenced"
    assert any(e.get("failed") == [3] for e in stack_events(outcome, "view"))


def test_split_brain_minority_is_fenced_and_fences_nobody(tmp_path: Path) -> None:
    outcome = run_scenario("split-brain", tmp_path, "pacemaker")
    assert_safe(outcome)
    assert {e.get("victim") for e in stack_events(outcome, "fence_call")} == {"node3"}


def test_resource_recovery_restarts_in_place_and_fences_nobody(tmp_path: Path) -> None:
    outcome = run_scenario("resource-recovery", tmp_path, "pacemaker")
    assert_safe(outcome)
    failed = stack_events(outcome, "failed_action")
    assert failed and all(e.get("node") == "node1" and e.get("task") == "monitor" for e in failed)
    probes = [e for e in outcome.history.of("probe") if e.get("present")]
    assert {e.get("node") for e in probes} == {"node1"}  # the address and the disk never left node1


def test_a_quiet_pacemaker_cluster_fences_nobody(tmp_path: Path) -> None:
    outcome = run_scenario("nobody-fenced", tmp_path, "pacemaker")
    assert_safe(outcome)
    assert not stack_events(outcome, "fence_call")
    assert len({e.src for e in stack_events(outcome, "view")}) == 3  # every node's own view was polled
