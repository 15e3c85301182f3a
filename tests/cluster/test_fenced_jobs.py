"""fence_node and unfencing as inputs of the pure domain, and one history for every member (fake clock)."""

from __future__ import annotations

import dataclasses

from test_fenced_domain import ALL, logs, membership, plan, runs, started, view

from cluster.fenced.domain import FenceDomain
from cluster.fenced.effects import Announce, CallResult, Effect, JobDone, Share
from cluster.fenced.plan import DeviceEntry, FenceSettings


def done(effects: list[Effect]) -> JobDone:
    [job] = [e for e in effects if isinstance(e, JobDone)]
    return job


def shared(effects: list[Effect]) -> list[Share]:
    return [e for e in effects if isinstance(e, Share)]


def two_unfence_devices() -> FenceDomain:
    p = plan(FenceSettings(clean_start=True), devices=2)
    unfence = (DeviceEntry("nps0", (("action", "on"),)), DeviceEntry("nps1", (("action", "on"),)))
    nodes = tuple(dataclasses.replace(n, unfence=unfence) if n.nodeid == 2 else n for n in p.nodes)
    return FenceDomain(dataclasses.replace(p, nodes=nodes), 2)


def test_unfencing_runs_devices_one_by_one_and_fails_at_the_first_failure() -> None:
    d = two_unfence_devices()
    [first] = runs(d.unfence_self(0.0))  # not both at once, and nothing recorded before it ran
    assert d.history.all() == []
    effects = d.on_call_result(first.call_id, CallResult(False, 0.1, detail="exit 1"), 1.0)
    assert runs(effects) == [] and not done(effects).ok
    assert [r.result for r in d.history.for_node("node2")] == ["error"]


def test_unfencing_succeeds_only_when_every_device_did() -> None:
    d = two_unfence_devices()
    [first] = runs(d.unfence_self(0.0))
    [second] = runs(d.on_call_result(first.call_id, CallResult(True, 0.1), 1.0))
    assert second.call.device == "nps1"
    assert done(d.on_call_result(second.call_id, CallResult(True, 0.1), 2.0)).ok


def test_fence_node_is_a_domain_input_and_says_why_it_failed() -> None:
    d = started(FenceDomain(plan(), 1))
    job_id, effects = d.on_fence_node("node3", False, 5.0)
    [call] = runs(effects)
    assert "fence_node: fence node3 dev 0.0 agent fence_nps" in logs(effects)
    effects = d.on_call_result(call.call_id, CallResult(False, 0.3, "error", "exit 1"), 6.0)
    job = done(effects)
    assert (job.job_id, job.ok, job.reason) == (job_id, False, "device nps0: error (exit 1)")
    assert [r.by for r in job.records] == ["fence_node"] and shared(effects)


def test_unfence_of_a_node_without_unfence_devices_says_so() -> None:
    d = started(FenceDomain(plan(), 1))
    p = d.plan
    d.plan = dataclasses.replace(p, nodes=tuple(dataclasses.replace(n, unfence=()) for n in p.nodes))
    _, effects = d.on_fence_node("node3", True, 1.0)
    assert runs(effects) == []
    assert done(effects).reason == "node3 has no <unfence> devices in cluster.conf"


def test_fence_node_success_of_a_victim_is_announced_once() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=100)), 1))
    membership(d, view(2, {1: "a", 2: "b"}), 10.0)
    _, effects = d.on_fence_node("node3", False, 11.0)
    effects = d.on_call_result(runs(effects)[0].call_id, CallResult(True, 1.0), 12.0)
    assert done(effects).ok and d.fenced_since_failure(3)
    assert len([e for e in effects if isinstance(e, Announce)]) == 1 and not shared(effects)


def test_a_non_master_records_no_skip_of_its_own_but_the_masters_success() -> None:
    """node2 saw node3 rejoin before the result arrived: its history still shows the master's fence."""
    master = started(FenceDomain(plan(), 1))
    other = started(FenceDomain(plan(), 2))
    failed = view(2, {1: "a", 2: "b"})
    [call] = runs(membership(master, failed, 10.0))
    membership(other, failed, 10.0)
    back = view(3, {**ALL, 3: "c2"})  # the agent rebooted node3, which rejoined
    membership(master, back, 11.0)
    assert "fence node3 skipped: node rejoined cleanly" in logs(membership(other, back, 11.0))
    effects = master.on_call_result(call.call_id, CallResult(True, 1.0, detail="exit 0"), 12.0)
    [announce] = [e for e in effects if isinstance(e, Announce)]
    other.on_peer_fenced(announce.nodeid, announce.record, 12.1)
    assert other.history.all() == master.history.all()
    assert [r.result for r in other.history.all()] == ["success"]


def test_the_masters_failed_calls_and_skips_are_shared() -> None:
    d = started(FenceDomain(plan(FenceSettings(override_time=1)), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 10.0))
    effects = d.on_call_result(call.call_id, CallResult(False, 0.5, "error", "exit 1"), 11.0)
    assert [s.record.result for s in shared(effects)] == ["error"]
    effects = membership(d, view(3, {**ALL, 3: "c2"}), 11.5)  # node3 restarted during the retry wait
    assert [s.record.result for s in shared(effects)] == ["skipped"]
    peer = started(FenceDomain(plan(), 2))
    for record in d.history.all():
        peer.on_peer_record(record)
    assert peer.history.all() == d.history.all()


def test_phase_changes_outside_the_table_are_refused() -> None:
    import pytest

    from cluster.fenced.victim import ALLOWED, Phase, TransitionError, Victim

    victim = Victim(plan().nodes[2], 0.0, 1, 6.0)
    with pytest.raises(TransitionError, match="delay -> calling not allowed"):
        victim.move(Phase.CALLING)  # an agent never starts before the delay ran out
    for to in (Phase.READY, Phase.CALLING, Phase.READY, Phase.RETRY_WAIT, Phase.READY):
        victim.move(to)
    assert set(ALLOWED) == set(Phase)
