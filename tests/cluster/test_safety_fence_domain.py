"""Safety: a victim counts as fenced only by a fence that covers ITS failure (pure domain, fake clock)."""

from __future__ import annotations

from test_fenced_domain import ALL, logs, membership, plan, runs, started, view

from cluster.fenced.domain import FenceDomain
from cluster.fenced.effects import Announce, CallResult
from cluster.fenced.history import FenceRecord
from cluster.fenced.plan import FenceSettings


def test_node_restarted_and_failed_again_while_its_agent_ran_is_fenced_again() -> None:
    # node3 fails (incarnation c); the agent reboots it; it rejoins as c2 and fails again before the agent
    # returns. The agent's power-off happened before c2 existed: c2 is not fenced by it.
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=0)), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 10.0))
    membership(d, view(3, {1: "a", 2: "b", 3: "c2"}), 11.0)
    membership(d, view(4, {1: "a", 2: "b"}), 12.0)
    effects = d.on_call_result(call.call_id, CallResult(True, 2.5), 12.5)
    assert not d.fenced_since_failure(3)
    assert not [e for e in effects if isinstance(e, Announce)]
    [again] = runs(effects)  # a fresh pass over the methods for the new failure
    assert again.call.victim == "node3" and again.call_id != call.call_id
    d.on_call_result(again.call_id, CallResult(True, 1.0), 14.0)
    assert d.fenced_since_failure(3)


def test_failed_call_then_old_incarnation_of_second_life_returning_is_still_a_victim() -> None:
    # node3 (c) fails, its agent runs; it restarts as c2, rejoins, then c2 hangs and is lost. The agent
    # fails. When c2 comes back with the SAME incarnation (it was hung, not restarted) it is still a victim.
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=0, override_time=100)), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 10.0))
    membership(d, view(3, {1: "a", 2: "b", 3: "c2"}), 11.0)
    membership(d, view(4, {1: "a", 2: "b"}), 12.0)
    [fresh] = runs(d.on_call_result(call.call_id, CallResult(False, 1.0), 13.0))
    d.on_call_result(fresh.call_id, CallResult(False, 1.0), 13.5)
    effects = membership(d, view(5, {1: "a", 2: "b", 3: "c2"}), 14.0)
    assert not d.fenced_since_failure(3)
    assert "node node3 rejoined without restarting: still a victim" in logs(effects)


def test_startup_victim_that_joined_and_failed_while_its_agent_ran_is_fenced_again() -> None:
    d = FenceDomain(plan(FenceSettings(post_join_delay=0)), 1)
    [call] = runs(membership(d, view(1, {1: "a", 2: "b"}), 0.0))
    membership(d, view(2, ALL), 1.0)
    membership(d, view(3, {1: "a", 2: "b"}), 2.0)
    d.on_call_result(call.call_id, CallResult(True, 2.5), 2.5)
    assert not d.fenced_since_failure(3)


def test_same_incarnation_lost_again_during_the_call_is_covered_by_its_success() -> None:
    # the node came back with its old incarnation (it never restarted) and was lost again: the verified
    # power-off of the running call acts on that very machine state, so its success counts
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=0)), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 10.0))
    membership(d, view(3, ALL), 11.0)
    membership(d, view(4, {1: "a", 2: "b"}), 12.0)
    d.on_call_result(call.call_id, CallResult(True, 2.5), 12.5)
    assert d.fenced_since_failure(3)


def _restarted_and_failed_again(d: FenceDomain) -> None:
    """node3 (c) fails, restarts and rejoins as c2, and c2 fails: the victim is now the life c2."""
    membership(d, view(2, {1: "a", 2: "b"}), 10.0)
    membership(d, view(3, {1: "a", 2: "b", 3: "c2"}), 11.0)
    membership(d, view(4, {1: "a", 2: "b"}), 12.0)


def test_late_announcement_for_an_earlier_life_does_not_drop_the_victim() -> None:
    # node 2 defers to node 1. node 1's announcement that it fenced life c arrives after node 2 saw
    # life c2 fail: c2 was never fenced.
    d = started(FenceDomain(plan(), 2))
    _restarted_and_failed_again(d)
    stale = FenceRecord(11.5, "node3", "1", "nps0", "success", 1.0, by="node1", incarnation="c")
    effects = d.on_peer_fenced(3, stale, 12.5)
    assert not d.fenced_since_failure(3)
    assert any("earlier life" in line for line in logs(effects))
    fresh = FenceRecord(13.0, "node3", "1", "nps0", "success", 1.0, by="node1", incarnation="c2")
    d.on_peer_fenced(3, fresh, 13.0)
    assert d.fenced_since_failure(3)


def test_announcement_of_a_life_this_node_never_saw_is_trusted() -> None:
    # the master may know node3 only as a startup victim (it joined after node3 died): no life to compare
    d = started(FenceDomain(plan(), 2))
    membership(d, view(2, {1: "a", 2: "b"}), 10.0)
    d.on_peer_fenced(3, FenceRecord(11.0, "node3", "1", "nps0", "success", 1.0, by="node1"), 11.0)
    assert d.fenced_since_failure(3)


def test_fence_node_success_counts_only_for_the_life_it_started_on() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=100)), 1))
    life = d.incarnation_of(3)
    assert life == "c"
    _restarted_and_failed_again(d)
    record = FenceRecord(12.5, "node3", "1", "nps0", "success", 2.0, by="fence_node", incarnation=life)
    d.on_external_fenced(3, record, 12.5)
    assert not d.fenced_since_failure(3)
    record = FenceRecord(13.0, "node3", "1", "nps0", "success", 1.0, by="fence_node", incarnation="c2")
    d.on_external_fenced(3, record, 13.0)
    assert d.fenced_since_failure(3)


def test_fence_node_of_a_failed_node_covers_its_failure() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=100)), 1))
    membership(d, view(2, {1: "a", 2: "b"}), 10.0)
    life = d.incarnation_of(3)
    assert life == "c"
    d.on_external_fenced(3, FenceRecord(11.0, "node3", "1", "nps0", "success", 1.0, incarnation=life), 11.0)
    assert d.fenced_since_failure(3)


def test_own_success_is_announced_with_the_life_it_covers() -> None:
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=0)), 1))
    [call] = runs(membership(d, view(2, {1: "a", 2: "b"}), 10.0))
    effects = d.on_call_result(call.call_id, CallResult(True, 1.0), 11.0)
    [announce] = [e for e in effects if isinstance(e, Announce)]
    assert announce.record.incarnation == "c"
