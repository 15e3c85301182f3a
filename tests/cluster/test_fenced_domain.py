"""fenced's rules, one test each, on the pure fence domain with a fake clock."""

from __future__ import annotations

from typing import NamedTuple

from cluster.fenced.domain import FenceDomain
from cluster.fenced.effects import Announce, CallResult, Effect, Log, RunAgent
from cluster.fenced.history import FenceRecord
from cluster.fenced.plan import DeviceEntry, FenceDevice, FencePlan, FenceSettings, Method, NodeFencing
from cluster.membership.view import ViewChange


def plan(
    settings: FenceSettings | None = None, nodes: int = 3, methods: int = 1, devices: int = 1
) -> FencePlan:
    attrs = (("agent", "fence_nps"), ("ipaddr", "localhost"), ("passwd", "p"))
    fence_devices = tuple(FenceDevice(f"nps{d}", "fence_nps", attrs) for d in range(devices))
    node_list = []
    for n in range(1, nodes + 1):
        node_methods = tuple(
            Method(str(m + 1), tuple(DeviceEntry(f"nps{d}", (("port", str(n)),)) for d in range(devices)))
            for m in range(methods)
        )
        unfence = (DeviceEntry("nps0", (("port", str(n)), ("action", "on"))),)
        node_list.append(NodeFencing(n, f"node{n}", node_methods, unfence))
    return FencePlan(tuple(node_list), fence_devices, settings or FenceSettings(post_join_delay=6))


class View(NamedTuple):
    """A membership view with the quorum state that comes with it (incarnations as short strings)."""

    view: ViewChange
    quorate: bool


def view(gen: int, members: dict[int, str], quorate: bool = True, left: frozenset[int] = frozenset()) -> View:
    return View(ViewChange(gen, tuple(sorted(members.items())), left=tuple(sorted(left))), quorate)  # type: ignore[arg-type]


def membership(domain: FenceDomain, v: View, now: float) -> list[Effect]:
    return domain.on_membership(v.view, v.quorate, now)


ALL = {1: "a", 2: "b", 3: "c"}


def runs(effects: list[Effect]) -> list[RunAgent]:
    return [e for e in effects if isinstance(e, RunAgent)]


def logs(effects: list[Effect]) -> list[str]:
    return [e.text for e in effects if isinstance(e, Log)]


def started(domain: FenceDomain) -> FenceDomain:
    membership(domain, view(1, ALL), 0.0)
    return domain


def test_member_lost_by_failure_is_fenced_after_post_fail_delay() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=5)), 1))
    effects = membership(d, view(2, {1: "a", 2: "b"}), 10.0)
    assert runs(effects) == []
    assert "node node3 failed: added to victims (delay 5s)" in logs(effects)
    assert runs(d.on_tick(14.9)) == []
    assert d.next_deadline() == 15.0
    effects = d.on_tick(15.0)
    [call] = runs(effects)
    assert "fencing node node3" in logs(effects)
    assert call.call.stdin == (
        ("port", "3"),
        ("nodename", "node3"),
        ("agent", "fence_nps"),
        ("ipaddr", "localhost"),
        ("passwd", "p"),
    )
    assert d.status().wait_state == "fencing" and d.status().victim_now == 3
    effects = d.on_call_result(call.call_id, CallResult(True, 1.5), 16.5)
    assert "fence node3 dev 0.0 agent fence_nps result: success" in logs(effects)
    assert "fence node3 success" in logs(effects)
    [announce] = [e for e in effects if isinstance(e, Announce)]
    assert announce.nodeid == 3 and announce.record.result == "success"
    assert d.fenced_since_failure(3) and d.status().victim_count == 0
    [record] = d.history.for_node("node3")
    assert (record.method, record.device, record.result, record.duration) == ("1", "nps0", "success", 1.5)


def test_clean_leave_is_no_victim() -> None:
    d = started(FenceDomain(plan(), 1))
    effects = membership(d, view(2, {1: "a", 2: "b"}, left=frozenset({3})), 1.0)
    assert runs(effects + d.on_tick(100.0)) == []
    assert "node node3 left the domain cleanly" in logs(effects)
    assert not d.needs_fencing(3)


def test_no_fencing_without_quorum_then_fences_when_quorate() -> None:
    d = started(FenceDomain(plan(), 1))
    effects = membership(d, view(2, {1: "a"}, quorate=False), 1.0)
    assert runs(effects + d.on_tick(50.0)) == []
    assert d.status().wait_state == "quorum" and d.status().victim_count == 2
    assert not d.fenced_since_failure(2)
    effects = membership(d, view(3, {1: "a", 4: "x"}, quorate=True), 60.0)
    assert [r.call.victim for r in runs(effects)] == ["node2"]  # one at a time, lowest id first


def test_only_master_fences_others_defer() -> None:
    d = started(FenceDomain(plan(), 2))
    effects = membership(d, view(2, {1: "a", 2: "b"}), 1.0)
    assert runs(effects) == []
    assert "fencing deferred to node1" in logs(effects)
    assert d.status().wait_state == "messages" and d.status().master_nodeid == 1
    # the master reports success: the victim is dropped here too
    record = FenceRecord(2.0, "node3", "1", "nps0", "success", 1.0, by="node1")
    effects = d.on_peer_fenced(3, record, 2.0)
    assert "fence node3 success (by node1)" in logs(effects)
    assert d.fenced_since_failure(3) and d.history.for_node("node3") == [record]


def test_new_master_takes_over_when_master_dies() -> None:
    d = started(FenceDomain(plan(), 2))
    membership(d, view(2, {1: "a", 2: "b"}), 1.0)
    effects = membership(d, view(3, {2: "b"}), 2.0)
    # node 2 is the master now: it fences the old master first (lowest id), then node 3
    assert sorted(d.victims) == [1, 3] and d.master == 2
    assert [r.call.victim for r in runs(effects)] == ["node1"]


def test_post_join_delay_when_the_change_added_nodes() -> None:
    d = FenceDomain(plan(FenceSettings(post_join_delay=6, post_fail_delay=0, clean_start=True)), 1)
    membership(d, view(1, {1: "a", 3: "c"}), 0.0)
    # node 3 fails while node 2 joins in the same change: post_join_delay applies
    effects = membership(d, view(2, {1: "a", 2: "b"}), 10.0)
    assert runs(effects) == [] and d.next_deadline() == 16.0
    assert runs(d.on_tick(16.0))


def test_startup_fencing_of_configured_non_members() -> None:
    d = FenceDomain(plan(FenceSettings(post_join_delay=6)), 1)
    effects = membership(d, view(1, {1: "a"}), 0.0)
    assert "node node2 startup fencing: added to victims (delay 6s)" in logs(effects)
    assert sorted(d.victims) == [2, 3]
    # node 2 joins during post_join_delay: spared; node 3 is fenced when the delay ends
    effects = membership(d, view(2, {1: "a", 2: "b"}), 3.0)
    assert "node node2 joined: no startup fencing needed" in logs(effects)
    assert d.history.for_node("node2") == []
    assert [r.call.victim for r in runs(d.on_tick(6.0))] == ["node3"]


def test_clean_start_skips_startup_fencing() -> None:
    d = FenceDomain(plan(FenceSettings(clean_start=True)), 1)
    effects = membership(d, view(1, {1: "a"}), 0.0)
    assert "clean_start=1: skipping startup fencing" in logs(effects)
    assert not d.victims and runs(d.on_tick(100.0)) == []


def test_victim_that_restarts_during_delay_is_spared() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=10)), 1))
    membership(d, view(2, {1: "a", 2: "b"}), 1.0)
    effects = membership(d, view(3, {1: "a", 2: "b", 3: "c2"}), 5.0)
    assert "fence node3 skipped: node rejoined cleanly" in logs(effects)
    assert runs(d.on_tick(20.0)) == [] and d.fenced_since_failure(3)
    assert d.history.for_node("node3")[0].result == "skipped"


def test_victim_back_with_old_incarnation_is_still_fenced() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=10)), 1))
    membership(d, view(2, {1: "a", 2: "b"}), 1.0)
    effects = membership(d, view(3, ALL), 5.0)  # it was hung, not restarted
    assert "node node3 rejoined without restarting: still a victim" in logs(effects)
    assert [r.call.victim for r in runs(d.on_tick(11.0))] == ["node3"]


def test_methods_in_order_every_device_must_succeed() -> None:
    d = started(FenceDomain(plan(FenceSettings(), methods=2, devices=2), 1))
    [c1] = runs(membership(d, view(2, {1: "a", 2: "b"}), 0.0))
    assert (c1.call.method, c1.call.device) == ("1", "nps0")
    [c2] = runs(d.on_call_result(c1.call_id, CallResult(True, 0.1), 1.0))
    assert (c2.call.method, c2.call.device) == ("1", "nps1")
    effects = d.on_call_result(c2.call_id, CallResult(False, 0.1), 2.0)
    assert "fence node3 dev 0.1 agent fence_nps result: error from agent" in logs(effects)
    [c3] = runs(effects)  # second device failed: the method failed, next method from its first device
    assert (c3.call.method, c3.call.device, c3.call.label) == ("2", "nps0", "1.0")
    [c4] = runs(d.on_call_result(c3.call_id, CallResult(True, 0.1), 3.0))
    effects = d.on_call_result(c4.call_id, CallResult(True, 0.1), 4.0)
    assert "fence node3 success" in logs(effects)
    assert [r.result for r in d.history.for_node("node3")] == ["success", "error", "success", "success"]


def test_all_methods_fail_then_retry_forever_with_backoff() -> None:
    d = started(FenceDomain(plan(FenceSettings(override_time=3, retry_max=10)), 1))
    now = 0.0
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), now))
    waits = []
    for _ in range(5):
        effects = d.on_call_result(call.call_id, CallResult(False, 0.5), now)
        assert "fence node3 failed" in logs(effects) and not runs(effects)
        deadline = d.next_deadline()
        assert deadline is not None
        waits.append(deadline - now)
        assert runs(d.on_tick(deadline - 0.01)) == []
        now = deadline
        [call] = runs(d.on_tick(now))
    assert waits == [3, 6, 10, 10, 10]
    assert d.needs_fencing(3)


def test_timeout_result_is_recorded() -> None:
    d = started(FenceDomain(plan(), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 0.0))
    effects = d.on_call_result(call.call_id, CallResult(False, 5.0, "timeout", "no exit after 5s"), 5.0)
    assert "fence node3 dev 0.0 agent fence_nps result: timeout from agent" in logs(effects)
    assert d.history.for_node("node3")[0].result == "timeout"


def test_manual_override_ends_fencing() -> None:
    d = started(FenceDomain(plan(), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 0.0))
    d.on_call_result(call.call_id, CallResult(False, 0.5), 1.0)
    ok, effects = d.on_ack_manual("node3", 2.0)
    assert ok and "fence node3 overridden by administrator intervention" in logs(effects)
    assert any(isinstance(e, Announce) for e in effects)
    assert d.fenced_since_failure(3) and runs(d.on_tick(100.0)) == []
    assert d.history.for_node("node3")[-1].result == "override"
    assert d.on_ack_manual("node2", 3.0) == (False, [])
    assert d.on_ack_manual("nosuch", 3.0) == (False, [])


def test_missing_device_fails_the_method_without_a_call() -> None:
    p = plan()
    broken = NodeFencing(3, "node3", (Method("1", (DeviceEntry("ghost", ()),)), p.nodes[2].methods[0]))
    p = FencePlan((p.nodes[0], p.nodes[1], broken), p.devices, p.settings)
    d = started(FenceDomain(p, 1))
    effects = membership(d, view(2, {1: "a", 2: "b"}), 0.0)
    assert "fence node3 dev 0.0 agent - result: error: no fencedevice named 'ghost'" in logs(effects)
    [call] = runs(effects)
    assert call.call.method == "1" and call.call.device == "nps0" and call.call.label == "1.0"


def test_node_without_methods_waits_for_override() -> None:
    p = plan()
    p = FencePlan((p.nodes[0], p.nodes[1], NodeFencing(3, "node3")), p.devices, p.settings)
    d = started(FenceDomain(p, 1))
    effects = membership(d, view(2, {1: "a", 2: "b"}), 0.0)
    assert "fence node3: no fence method configured" in logs(effects) and not runs(effects)
    assert d.on_ack_manual("node3", 1.0)[0]


def test_rebooted_victim_rejoining_during_the_call_counts_as_fenced() -> None:
    d = started(FenceDomain(plan(), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 0.0))
    assert not logs(membership(d, view(3, {1: "a", 2: "b", 3: "new"}), 1.0))  # reboot ran, node is back
    effects = d.on_call_result(call.call_id, CallResult(True, 2.0), 2.0)
    assert "fence node3 success" in logs(effects)
    assert [r.result for r in d.history.for_node("node3")] == ["success"]


def test_unfencing_at_join_runs_unfence_devices() -> None:
    d = FenceDomain(plan(FenceSettings(clean_start=True)), 2)
    [run] = runs(d.unfence_self(0.0))
    assert run.unfence and run.call.stdin[:3] == (("port", "2"), ("action", "on"), ("nodename", "node2"))
    effects = d.on_call_result(run.call_id, CallResult(True, 0.2), 1.0)
    assert "unfence node2 dev nps0 agent fence_nps result: success" in logs(effects)
    assert d.history.for_node("node2")[0].method == "unfence"


def test_fence_tool_ls_status() -> None:
    d = started(FenceDomain(plan(), 1))
    s = d.status()
    assert (s.member_count, s.victim_count, s.victim_now, s.master_nodeid, s.wait_state, s.members) == (
        3,
        0,
        0,
        1,
        "none",
        [1, 2, 3],
    )


def test_post_join_delay_starts_once_quorate_not_at_domain_creation() -> None:
    """Nodes booted one at a time: node1 waits 9 s for quorum; the delay must not be used up by then."""
    d = FenceDomain(plan(FenceSettings(post_join_delay=6)), 1)
    membership(d, view(1, {1: "a"}, quorate=False), 0.0)
    assert d.next_deadline() is None and runs(d.on_tick(8.0)) == []
    membership(d, view(2, {1: "a", 2: "b"}), 9.0)  # quorate now: node3 gets its 6 s from here
    assert d.next_deadline() == 15.0 and runs(d.on_tick(10.9)) == []
    effects = membership(d, view(3, {1: "a", 2: "b", 3: "c"}), 11.0)
    assert "node node3 joined: no startup fencing needed" in logs(effects)
    assert runs(effects + d.on_tick(100.0)) == [] and not d.victims


def test_node_that_never_comes_is_fenced_post_join_delay_after_quorum() -> None:
    d = FenceDomain(plan(FenceSettings(post_join_delay=6)), 1)
    membership(d, view(1, {1: "a"}, quorate=False), 0.0)
    membership(d, view(2, {1: "a", 2: "b"}), 9.0)
    assert runs(d.on_tick(14.9)) == []
    assert [r.call.victim for r in runs(d.on_tick(15.0))] == ["node3"]


def test_quorum_lost_during_the_delay_restarts_it_when_regained() -> None:
    d = FenceDomain(plan(FenceSettings(post_join_delay=6)), 1)
    membership(d, view(1, {1: "a", 2: "b"}), 0.0)
    membership(d, view(2, {1: "a"}, quorate=False), 4.0)  # node2 failed, quorum lost
    assert d.next_deadline() is None and runs(d.on_tick(30.0)) == []
    effects = membership(d, view(3, {1: "a", 2: "b2"}), 40.0)
    assert runs(effects) == [] and d.next_deadline() == 46.0
    assert [r.call.victim for r in runs(d.on_tick(46.0))] == ["node3"]
