"""The service state machine in whole-cluster scenarios (simulated time, scripted agent results)."""

from __future__ import annotations

from cluster.rm.events import RunAgent, UserOp
from cluster.rm.state import Flag, RgError, State

from .sim_support import ask, cluster, logged, record, where

ORDERED = (
    '<failoverdomains><failoverdomain name="d" ordered="1" restricted="{r}" nofailback="{nf}">'
    '<failoverdomainnode name="node1" priority="1"/><failoverdomainnode name="node2" priority="2"/>'
    "</failoverdomain></failoverdomains>"
)


def www(extra: str = "", domain: str = "", children: str = '<script name="s" file="/x"/>') -> str:
    return f'{domain}<service name="www" {extra}>{children}</service>'


def failing(op: str, node: int, ident: str = "script:s"):  # noqa: ANN201
    def rc(nodeid: int, call: RunAgent) -> int:
        return 1 if (call.op == op and nodeid == node and call.node.ident == ident) else 0

    return rc


def test_autostart_places_on_the_best_node_and_autostart_0_disables() -> None:
    sim = cluster(www('domain="d"', ORDERED.format(r=0, nf=0)) + '<service name="off" autostart="0"/>')
    assert where(sim) == (State.STARTED, 1)
    assert where(sim, "service:off") == (State.DISABLED, 0)
    rec = record(sim)
    assert rec.restarts == 0 and rec.transition > 0 and rec.version > 0


def test_owner_failure_waits_for_fencing_then_fails_over_and_fails_back() -> None:
    sim = cluster(www('domain="d"', ORDERED.format(r=0, nf=0)))
    sim.hang(1)
    sim.run_until(sim.now + 1.5)  # the fence takes 2 s: node1 may still run it
    assert where(sim) == (State.STARTED, 1)
    sim.run_until(sim.now + 5.0)
    assert where(sim) == (State.STARTED, 2) and record(sim).last_owner == 1
    assert logged(sim, "Taking over service service:www from down member node1")
    sim.boot(1)
    sim.run_until(sim.now + 5.0)
    assert where(sim) == (State.STARTED, 1)  # failback: node1 scores higher
    assert logged(sim, "Relocating service:www to better node node1")
    assert sim.violations == []


def test_fencing_that_never_succeeds_blocks_recovery_for_good() -> None:
    """rgmanager.md §9.1: recovery waits for the fence, however long; a user cannot force it either."""
    sim = cluster(www('domain="d"', ORDERED.format(r=0, nf=0)))
    sim.faults.fence_fail = 1.0
    sim.hang(1)
    sim.run_until(sim.now + 300.0)
    assert where(sim) == (State.STARTED, 1) and sim.holding[1]["service:www"]
    assert ask(sim, 2, UserOp.ENABLE) == RgError.EFENCE
    assert ask(sim, 2, UserOp.DISABLE) == RgError.EFENCE
    sim.faults.fence_fail = 0.0  # the fence device works again: fenced's retry succeeds
    sim.run_until(sim.now + 10.0)
    assert where(sim) == (State.STARTED, 2) and sim.violations == []


def test_nofailback_keeps_the_service_on_its_new_node() -> None:
    sim = cluster(www('domain="d"', ORDERED.format(r=0, nf=1)))
    sim.hang(1)
    sim.run_until(sim.now + 6.0)
    sim.boot(1)
    sim.run_until(sim.now + 6.0)
    assert where(sim) == (State.STARTED, 2)


def test_restricted_domain_without_members_stays_stopped() -> None:
    only1 = ORDERED.format(r=1, nf=0).replace('<failoverdomainnode name="node2" priority="2"/>', "")
    sim = cluster(www('domain="d"', only1))
    assert where(sim) == (State.STARTED, 1)
    sim.hang(1)
    sim.run_until(sim.now + 6.0)
    assert where(sim)[0] is State.STOPPED and sim.violations == []
    assert logged(sim, "Marking service:www as stopped: Restricted domain unavailable")
    assert ask(sim, 2, UserOp.ENABLE) == RgError.EDOMAIN


def test_restart_in_place_up_to_max_restarts_then_relocate() -> None:
    sim = cluster(www('max_restarts="2" restart_expire_time="10m"'), rc=failing("status", 3))
    assert where(sim) == (State.STARTED, 3)
    sim.run_until(sim.now + 75.0)  # status every 30 s (script): two failures, two restarts in place
    assert where(sim) == (State.STARTED, 3) and record(sim).restarts == 2
    sim.run_until(sim.now + 40.0)  # status every 30 s (script), polled every 10 s
    rec = record(sim)
    assert logged(sim, "Restart threshold for service:www exceeded; attempting to relocate")
    assert rec.owner == 2 and rec.state is State.STARTED and rec.last_owner == 3


def test_restart_disable_and_disable_policies() -> None:
    sim = cluster(www('max_restarts="1" recovery="restart-disable"'), rc=failing("status", 3))
    sim.run_until(sim.now + 75.0)
    assert where(sim) == (State.DISABLED, 0) and logged(sim, "exceeded; disabling")
    sim = cluster(www('recovery="disable"'), rc=failing("status", 3))
    sim.run_until(sim.now + 40.0)
    assert where(sim) == (State.DISABLED, 0)


def test_start_failure_moves_on_to_another_node() -> None:
    sim = cluster(www(), rc=failing("start", 3))
    assert where(sim) == (State.STARTED, 2) and logged(sim, "#68: Failed to start service:www")


def test_a_stop_that_fails_leaves_the_service_failed_until_disabled() -> None:
    sim = cluster(
        www('recovery="relocate"'), rc=lambda n, c: 1 if c.op in ("status", "stop") and n == 3 else 0
    )
    sim.run_until(sim.now + 40.0)
    assert where(sim) == (State.FAILED, 3) and logged(sim, "#12: RG service:www failed to stop")
    assert ask(sim, 1, UserOp.ENABLE) == RgError.EFAIL  # failed is held: nobody may start it
    assert ask(sim, 1, UserOp.DISABLE) == RgError.SUCCESS
    assert where(sim) == (State.DISABLED, 0)


def test_independent_subtree_recovers_inline_and_non_critical_goes_partial() -> None:
    children = (
        '<fs name="f" device="/d" mountpoint="/m" __independent_subtree="1"><script name="s" file="/x"/></fs>'
    )
    sim = cluster(www(children=children), rc=failing("status", 3))
    sim.run_until(sim.now + 35.0)
    assert where(sim) == (State.STARTED, 3) and logged(sim, "Inline recovery of service:www complete")
    children = children.replace('__independent_subtree="1"', '__independent_subtree="non-critical"')
    sim = cluster(www(children=children), rc=failing("status", 3))
    sim.run_until(sim.now + 35.0)
    assert where(sim) == (State.STARTED, 3) and record(sim).flags & Flag.PARTIAL


def test_subtree_restart_limit_escalates_to_the_whole_service() -> None:
    children = (
        '<fs name="f" device="/d" mountpoint="/m" __independent_subtree="1" __max_restarts="1"'
        ' __restart_expire_time="10m"><script name="s" file="/x"/></fs>'
    )
    sim = cluster(www('recovery="relocate"', children=children), rc=failing("status", 3))
    sim.run_until(sim.now + 35.0)
    assert where(sim) == (State.STARTED, 3) and logged(sim, "Attempting inline recovery of fs:f")
    sim.run_until(sim.now + 35.0)
    assert logged(sim, "Restart threshold for fs:f exceeded; recovering service:www")
    assert where(sim) == (State.STARTED, 2)  # relocated: the policy of the whole service


def test_enforce_timeouts_sets_a_deadline_only_when_asked() -> None:
    calls: list[RunAgent] = []
    children = (
        '<script name="s" file="/x" __enforce_timeouts="1"><action name="start" timeout="7"/></script>'
        '<fs name="f" device="/d" mountpoint="/m"/>'
    )

    def record_call(_node: int, call: RunAgent) -> int:
        calls.append(call)
        return 0

    cluster(www(children=children), rc=record_call)
    starts = {c.node.ident: (c.timeout, c.meta_timeout) for c in calls if c.op == "start"}
    assert starts["script:s"] == (7, 7)  # the <action> override, enforced
    assert starts["fs:f"] == (None, 900)  # the metadata's, only advertised


def test_max_failures_ignores_status_failures_until_the_threshold() -> None:
    children = '<script name="s" file="/x" __max_failures="2" __failure_expire_time="10m"/>'
    sim = cluster(www(children=children), rc=failing("status", 3))
    sim.run_until(sim.now + 65.0)  # two failures: ignored
    assert where(sim) == (State.STARTED, 3) and record(sim).restarts == 0
    sim.run_until(sim.now + 30.0)  # the third one counts
    assert record(sim).restarts == 1


def test_user_requests_relocate_disable_enable_freeze() -> None:
    sim = cluster(www())
    assert where(sim) == (State.STARTED, 3)
    assert ask(sim, 1, UserOp.RELOCATE, target=1) == RgError.SUCCESS and where(sim) == (State.STARTED, 1)
    assert ask(sim, 2, UserOp.ENABLE) == RgError.ERUN
    assert ask(sim, 2, UserOp.DISABLE) == RgError.SUCCESS and where(sim) == (State.DISABLED, 0)
    assert ask(sim, 2, UserOp.ENABLE) == RgError.SUCCESS and where(sim) == (State.STARTED, 2)  # local
    assert ask(sim, 2, UserOp.FREEZE) == RgError.SUCCESS and record(sim).frozen
    assert ask(sim, 1, UserOp.DISABLE) == RgError.EFROZEN
    sim.hang(2)
    sim.run_until(sim.now + 10.0)
    assert where(sim) == (State.STOPPED, 0) and record(sim).frozen  # frozen: no failover
    assert ask(sim, 1, UserOp.UNFREEZE) == RgError.SUCCESS
    sim.run_until(sim.now + 5.0)
    assert where(sim) == (State.STARTED, 3)  # unfrozen and stopped: placed again
    assert ask(sim, 1, UserOp.ENABLE, "service:nosuch") == RgError.ENOSERVICE
    assert ask(sim, 1, UserOp.STOP) == RgError.SUCCESS and where(sim) == (State.STOPPED, 0)
    assert ask(sim, 1, UserOp.ENABLE, target=2) == RgError.ENODE  # node2 is gone


def test_exclusive_and_depend() -> None:
    body = (
        '<service name="db"><script name="a" file="/a"/></service>'
        '<service name="www" depend="db"><script name="b" file="/b"/></service>'
        '<service name="big" exclusive="1" autostart="0"><script name="c" file="/c"/></service>'
    )
    sim = cluster(body)
    assert where(sim, "service:db")[0] is State.STARTED and where(sim, "service:www")[0] is State.STARTED
    busy = {where(sim, "service:db")[1], where(sim, "service:www")[1]}
    assert ask(sim, 1, UserOp.ENABLE, "service:big", target=next(iter(busy))) == RgError.EEXCL
    free = ({1, 2, 3} - busy).pop()
    assert ask(sim, 1, UserOp.ENABLE, "service:big", target=free) == RgError.SUCCESS
    assert ask(sim, 1, UserOp.DISABLE, "service:db") == RgError.SUCCESS
    sim.run_until(sim.now + 5.0)
    assert where(sim, "service:www")[0] is State.STOPPED  # its dependency went away
    assert ask(sim, 1, UserOp.ENABLE, "service:db", target=[n for n in busy][0]) == RgError.SUCCESS
    sim.run_until(sim.now + 5.0)
    assert where(sim, "service:www")[0] is State.STARTED
    assert where(sim, "service:www")[1] != free  # nothing joins the exclusive service's node


def test_quorum_loss_stops_local_services_at_once() -> None:
    sim = cluster(www())
    sim.partition([{3}, {1, 2}])
    sim.run_until(sim.now + 1.0)
    assert logged(sim, "#1: Quorum Dissolved") and logged(sim, "Emergency stop of service:www")
    assert not sim.holding[3].get("service:www")
    sim.run_until(sim.now + 10.0)
    assert where(sim) == (State.STARTED, 2) and sim.violations == []


def test_an_exclusive_service_placed_in_the_same_round_avoids_nodes_just_chosen() -> None:
    body = (
        '<failoverdomains><failoverdomain name="only3" restricted="1"><failoverdomainnode name="node3"/>'
        "</failoverdomain></failoverdomains>"
        '<service name="a" domain="only3"><script name="a" file="/a"/></service>'
        '<service name="solo" exclusive="1"><script name="c" file="/c"/></service>'
    )
    sim = cluster(body)
    assert where(sim, "service:a") == (State.STARTED, 3)
    assert where(sim, "service:solo")[0] is State.STARTED
    assert where(sim, "service:solo")[1] != 3  # node3 was chosen for a in the same round


def test_lockdown_refuses_every_start_until_unlocked() -> None:
    from cluster.rm.events import Lockdown

    sim = cluster(www())
    assert ask(sim, 1, UserOp.DISABLE) == RgError.SUCCESS
    for nodeid in sim.cores:  # what the ordered channel does: every member, the same order
        sim.deliver(nodeid, Lockdown(True))
    assert ask(sim, 2, UserOp.ENABLE) == RgError.EAGAIN  # rgmanager: a start while locked is "try again"
    assert where(sim)[0] is State.DISABLED
    for nodeid in sim.cores:
        sim.deliver(nodeid, Lockdown(False))
    assert ask(sim, 2, UserOp.ENABLE) == RgError.SUCCESS
    sim.run_until(sim.now + 5.0)
    assert where(sim)[0] is State.STARTED
