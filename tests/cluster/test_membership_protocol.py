"""The membership state machines in simulated time: deterministic scenarios (no random faults)."""

from __future__ import annotations

from cluster.membership.protocol import MembershipNode, Send, Timing, ViewChange
from cluster.membership.simulation import Simulation

TIMING = Timing.from_totem(1000, 3)  # token 1 s, heartbeats every 250 ms, consensus 3 s


def cluster(n: int = 3, **kwargs: object) -> Simulation:
    sim = Simulation(list(range(1, n + 1)), kwargs.pop("timing", TIMING), seed=1, delay=(1.0, 2.0), **kwargs)  # type: ignore[arg-type]
    for node in sim.node_ids:
        sim.start(node)
    sim.run_until(2000)
    assert sim.agreement(), sim.describe()
    return sim


def views_of(sim: Simulation, node: int, since: float = 0.0) -> list[ViewChange]:
    return [v for t, n, v in sim.view_log if n == node and t >= since]


def test_membership_state_as_cman_tool_shows_it() -> None:
    node = MembershipNode(1, 100, [1, 2], TIMING)
    assert node.state == "Not-in-Cluster"
    node.join(0)
    assert node.state == "Joining"
    node.tick(TIMING.heartbeat_ms * 2)  # settled in; nobody answers; gather for join ms
    node.tick(TIMING.heartbeat_ms * 2 + TIMING.join_ms)  # then a view of one
    assert node.state == "Cluster-Member" and node.gen == 1
    node.leave(10_000)
    assert node.state == "Not-in-Cluster"


def test_nodes_agree_on_one_generation_and_member_list() -> None:
    sim = cluster(3)
    states = {(n.machine.gen, n.machine.members) for n in sim.live() if n.machine}
    assert len(states) == 1
    gen, members = states.pop()
    assert gen >= 1 and [m for m, _ in members] == [1, 2, 3]


def test_crash_is_a_failure_seen_by_all_after_the_token_timeout() -> None:
    sim = cluster(3)
    sim.run_until(3000)
    sim.crash(3)
    # silence counts from node 3's last heartbeat, which went out up to a heartbeat period before the crash
    sim.run_until(3000 + TIMING.token_ms - TIMING.heartbeat_ms - 10)
    assert not views_of(sim, 1, since=3000), "declared dead before the token timeout"
    sim.run_until(3000 + TIMING.token_ms + TIMING.heartbeat_ms + TIMING.join_ms + 50)
    for node in (1, 2):
        (view,) = views_of(sim, node, since=3000)
        assert view.member_ids == (1, 2) and view.failed == (3,) and view.left == ()
    assert sim.agreement()


def test_restart_is_failure_then_join_with_a_new_incarnation() -> None:
    sim = cluster(3)
    sim.crash(2)
    sim.start(2)  # back before anyone noticed: same id, new incarnation
    sim.run_until(sim.now + 2000)
    assert sim.agreement()
    view = views_of(sim, 1)[-1]
    assert view.failed == (2,) and view.joined == (2,)


def test_clean_leave_and_leave_remove_lower_expected_votes() -> None:
    sim = cluster(3)
    sim.leave(3, remove=True)
    sim.run_until(sim.now + 500)  # well under the token timeout: the leave is announced
    view = views_of(sim, 1)[-1]
    assert view.member_ids == (1, 2) and view.left == (3,) and view.removed == (3,) and view.failed == ()
    quorum = sim.nodes[1].quorum
    assert quorum is not None and quorum.status().expected_votes == 2
    sim.leave(2, remove=False)
    sim.run_until(sim.now + 500)
    view = views_of(sim, 1)[-1]
    assert view.left == (2,) and view.removed == ()
    assert not sim.nodes[1].quorum.status().quorate  # type: ignore[union-attr]
    sim.rejoin(2)
    sim.run_until(sim.now + 2000)
    assert sim.agreement() and views_of(sim, 1)[-1].joined == (2,)


def test_partition_majority_keeps_quorum_minority_loses_it_then_merge() -> None:
    sim = cluster(3)
    gen_before = sim.nodes[1].machine.gen  # type: ignore[union-attr]
    sim.partition([[1], [2, 3]])
    sim.run_until(sim.now + 3000)
    m1, m2 = sim.nodes[1].machine, sim.nodes[2].machine
    assert m1 is not None and m2 is not None
    assert m1.member_ids == (1,) and m2.member_ids == (2, 3)
    assert not sim.nodes[1].quorum.status().quorate  # type: ignore[union-attr]
    assert sim.nodes[2].quorum.status().quorate  # type: ignore[union-attr]
    sim.heal()
    sim.run_until(sim.now + 3000)
    assert sim.agreement() and m1.gen > gen_before
    assert not sim.violations


def test_generations_only_grow_on_every_node() -> None:
    sim = cluster(4)
    for step in ([1, 2], [3, 4]), ([1, 2, 3, 4],), ([1], [2, 3, 4]), ([1, 2, 3, 4],):
        sim.partition(step)
        sim.run_until(sim.now + 3000)
    sim.crash(4)
    sim.run_until(sim.now + 3000)
    for node in (1, 2, 3):
        gens = [v.gen for v in views_of(sim, node)]
        assert gens == sorted(set(gens)) and len(gens) >= 5


def test_safety_checker_catches_split_brain_when_quorum_allows_it() -> None:
    # two_node=1 makes both halves quorate by design; the checker must notice disjoint quorate views
    sim = Simulation([1, 2], TIMING, seed=1, delay=(1.0, 2.0))
    sim.quorum_config = type(sim.quorum_config)(votes={1: 1, 2: 1}, expected_votes=1, two_node=True)
    for node in (1, 2):
        sim.start(node)
    sim.run_until(2000)
    sim.partition([[1], [2]])
    sim.run_until(5000)
    assert any("disjoint views both quorate" in v for v in sim.violations)


def test_state_machine_ignores_unknown_and_self_and_stale_senders() -> None:
    node = MembershipNode(1, 100, [1, 2], TIMING)
    node.join(0)
    from cluster.membership.messages import Heartbeat

    assert node.receive(1, Heartbeat(9, 1, 1, 0)) == []  # not a configured node
    assert node.receive(1, Heartbeat(1, 100, 1, 0)) == []  # ourselves
    node.receive(2, Heartbeat(2, 500, 0, 0))
    assert node.receive(3, Heartbeat(2, 400, 0, 0)) == []  # an older incarnation of node 2
    effects = node.tick(TIMING.heartbeat_ms * 3)
    assert any(isinstance(e, Send) for e in effects)


def test_clock_going_backwards_counts_as_no_time() -> None:
    node = MembershipNode(1, 100, [1, 2], TIMING)
    node.join(10_000)
    from cluster.membership.messages import Heartbeat

    node.receive(10_001, Heartbeat(2, 5, 0, 0))
    node.tick(5_000)  # the clock jumped back five seconds
    node.tick(5_000 + TIMING.token_ms / 2)
    assert 2 in node.live_nodes()
    node.tick(5_000 + TIMING.token_ms + 1)
    assert 2 not in node.live_nodes()


def test_a_promise_binds_the_coordinator_incarnation() -> None:
    """Regression (found by the random schedules): a restarted coordinator reusing a generation number
    must not get the ack its earlier life was promised."""
    from cluster.membership.messages import Ack, Nack, Propose

    node = MembershipNode(2, 1000, [1, 2], TIMING)
    node.join(0)
    members_old = ((1, 1000), (2, 1000))
    (ack,) = node.receive(1, Propose(1, 1000, 5, members_old, ()))
    assert isinstance(ack.message, Ack)  # type: ignore[union-attr]
    (again,) = node.receive(2, Propose(1, 1000, 5, members_old, ()))
    assert isinstance(again.message, Ack)  # type: ignore[union-attr]  # a retransmission is acked again
    (nack,) = node.receive(3, Propose(1, 2000, 5, ((1, 2000), (2, 1000)), ()))
    assert isinstance(nack.message, Nack) and nack.message.highest == 5  # type: ignore[union-attr]


def test_a_member_leaving_during_a_round_does_not_stall_it_for_consensus_ms() -> None:
    """Issue 15 item 5: with every node leaving at once, rounds kept waiting ``consensus`` ms (3 s with
    cman's rule) for the ack of a node that had left meanwhile. The round now restarts without it."""
    from cluster.membership.messages import Ack, Heartbeat, Leave, Propose
    from cluster.membership.view import view_digest

    def proposals(node: MembershipNode, start: float, end: float) -> list[tuple[float, Propose]]:
        out = []
        for t in range(int(start), int(end), 5):
            out += [
                (t, e.message) for e in node.tick(t) if isinstance(e, Send) and isinstance(e.message, Propose)
            ]
        return out

    node = MembershipNode(1, 100, [1, 2, 3], TIMING)
    node.join(0)
    for peer in (2, 3):
        node.receive(1, Heartbeat(peer, peer * 100, 0, view_digest(())))
    (t0, first), *_ = proposals(node, 2, 900)
    assert first.members == ((1, 100), (2, 200), (3, 300))
    node.receive(t0 + 1, Ack(2, 200, first.gen))
    node.receive(t0 + 2, Leave(3, 300, False))  # node 3 leaves before it acks
    (t1, second), *_ = proposals(node, t0 + 5, t0 + 5 + TIMING.consensus_ms)
    assert second.members == ((1, 100), (2, 200))
    assert t1 - t0 < 2 * TIMING.join_ms + 20  # a join wait, not a consensus timeout


class CountingSimulation(Simulation):
    """Counts the messages the nodes send."""

    sent = 0

    def _after_call(self, node, effects):  # type: ignore[no-untyped-def]
        self.sent += sum(1 for e in effects if isinstance(e, Send))
        super()._after_call(node, effects)


def quiet_cluster(n: int, started: int) -> CountingSimulation:
    sim = CountingSimulation(list(range(1, n + 1)), TIMING, seed=1, delay=(0.2, 2.0))
    for node in sim.node_ids[:started]:
        sim.start(node)
    sim.run_until(8000)
    assert all(m.machine is not None and m.machine.settled() for m in sim.live()), sim.describe()
    return sim


def test_steady_state_costs_four_messages_a_node_per_token_at_any_size() -> None:
    """Issue 15 item 3: all-to-all heartbeats cost 4 (N-1) messages a node per token; the quiet ring 4."""
    for n in (3, 16):
        sim = quiet_cluster(n, started=n)
        before, start = sim.sent, sim.now
        sim.run_until(start + 10 * TIMING.token_ms)
        per_node_per_token = (sim.sent - before) / n / 10
        assert per_node_per_token == 4.0, (n, per_node_per_token)


def test_a_join_costs_messages_linear_in_the_cluster_size() -> None:
    """A joiner heartbeats every node and each answers; the coordinator asks, proposes, commits: O(N), not
    a gather of everyone (which is N² messages a heartbeat period)."""
    n = 17
    sim = quiet_cluster(n, started=n - 1)
    before, start = sim.sent, sim.now
    sim.start(n)
    sim.run_until(start + TIMING.token_ms)
    assert sim.agreement() and sim.nodes[1].machine is not None and n in sim.nodes[1].machine.member_ids
    steady = 4 * n  # the ring, and the coordinator's probe of the node that was down
    assert sim.sent - before - steady < 20 * n, sim.sent - before
