"""Safety: a victim counts as fenced only by a fence that covers ITS failure (pure domain, fake clock)."""

from __future__ import annotations

from cluster.fenced.domain import Announce, CallResult, FenceDomain
from cluster.fenced.plan import FenceSettings
from tests.cluster.test_fenced_domain import ALL, logs, plan, runs, started, view


def test_node_restarted_and_failed_again_while_its_agent_ran_is_fenced_again() -> None:
    # node3 fails (incarnation c); the agent reboots it; it rejoins as c2 and fails again before the agent
    # returns. The agent's power-off happened before c2 existed: c2 is not fenced by it.
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=0)), 1))
    [call] = runs(d.on_membership(view(2, {1: "a", 2: "b"}), 10.0))
    d.on_membership(view(3, {1: "a", 2: "b", 3: "c2"}), 11.0)
    d.on_membership(view(4, {1: "a", 2: "b"}), 12.0)
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
    [call] = runs(d.on_membership(view(2, {1: "a", 2: "b"}), 10.0))
    d.on_membership(view(3, {1: "a", 2: "b", 3: "c2"}), 11.0)
    d.on_membership(view(4, {1: "a", 2: "b"}), 12.0)
    [fresh] = runs(d.on_call_result(call.call_id, CallResult(False, 1.0), 13.0))
    d.on_call_result(fresh.call_id, CallResult(False, 1.0), 13.5)
    effects = d.on_membership(view(5, {1: "a", 2: "b", 3: "c2"}), 14.0)
    assert not d.fenced_since_failure(3)
    assert "node node3 rejoined without restarting: still a victim" in logs(effects)


def test_startup_victim_that_joined_and_failed_while_its_agent_ran_is_fenced_again() -> None:
    d = FenceDomain(plan(FenceSettings(post_join_delay=0)), 1)
    [call] = runs(d.on_membership(view(1, {1: "a", 2: "b"}), 0.0))
    d.on_membership(view(2, ALL), 1.0)
    d.on_membership(view(3, {1: "a", 2: "b"}), 2.0)
    d.on_call_result(call.call_id, CallResult(True, 2.5), 2.5)
    assert not d.fenced_since_failure(3)


def test_same_incarnation_lost_again_during_the_call_is_covered_by_its_success() -> None:
    # the node came back with its old incarnation (it never restarted) and was lost again: the verified
    # power-off of the running call acts on that very machine state, so its success counts
    d = started(FenceDomain(plan(FenceSettings(post_fail_delay=0)), 1))
    [call] = runs(d.on_membership(view(2, {1: "a", 2: "b"}), 10.0))
    d.on_membership(view(3, ALL), 11.0)
    d.on_membership(view(4, {1: "a", 2: "b"}), 12.0)
    d.on_call_result(call.call_id, CallResult(True, 2.5), 12.5)
    assert d.fenced_since_failure(3)
