"""The safety gate, driven by hand on one core: no takeover before the failed owner is fenced since its
failure, nothing while inquorate, nothing before the state of absent nodes is known."""

from __future__ import annotations

from collections.abc import Sequence

from cluster.rm.core import RmCore
from cluster.rm.events import (
    Broadcast,
    NodeFenced,
    Order,
    RecordUpdate,
    Reply,
    Send,
    StateSync,
    UserOp,
    UserRequest,
    ViewChange,
)
from cluster.rm.state import RgError, ServiceRecord, State

from .sim_support import NAMES
from .support import rm_from_text

WWW = "service:www"


def core_with_www_on_node2() -> RmCore:
    conf, _ = rm_from_text('<service name="www"><script name="s" file="/x"/></service>')
    core = RmCore(1, conf, dict(NAMES))
    running = ServiceRecord(WWW, owner=2, state=State.STARTED, version=5)
    core.handle(ViewChange(1, frozenset({1, 2, 3}), True), 0.0)
    for sender in (1, 2, 3):
        core.handle(StateSync(1, sender, (running,), history=True), 0.0)
    assert core.records[WWW] == running and core.ready and core.history
    return core


def effects_about(effects: Sequence[object]) -> list[object]:
    return [e for e in effects if isinstance(e, (Broadcast, Send))]


def test_no_takeover_until_the_owner_is_fenced_since_its_failure() -> None:
    core = core_with_www_on_node2()
    out = core.handle(ViewChange(2, frozenset({1, 3}), True), 1.0)
    for sender in (1, 3):
        out += core.handle(StateSync(2, sender, (core.records[WWW],), history=True), 1.0)
    assert [e for e in effects_about(out) if not isinstance(e, Send)] == []  # nothing proposed for www
    assert core.start_refusal(WWW, 3) == "waiting for node2 to be fenced"
    assert core.handle(NodeFenced(2, 1), 2.0) == []  # a fence from before the failure does not count
    out = core.handle(NodeFenced(2, 2), 3.0)
    takeover = [e for e in out if isinstance(e, Broadcast)]
    assert len(takeover) == 1 and takeover[0].record.state is State.STOPPED
    assert takeover[0].record.last_owner == 2 and takeover[0].record.owner == 0
    out = core.handle(RecordUpdate(takeover[0].record, 1), 3.1)
    assert Send(3, Order(UserOp.ENABLE, WWW, 1)) in out  # ties go to the later node


def test_nothing_while_inquorate() -> None:
    core = core_with_www_on_node2()
    out = core.handle(ViewChange(2, frozenset({1}), False), 1.0)
    out += core.handle(NodeFenced(2, 2), 2.0)
    assert effects_about(out) == []
    assert core.start_refusal(WWW, 1) == "inquorate"
    out = core.handle(UserRequest(7, UserOp.ENABLE, "www", origin=1), 3.0)
    assert out == [Reply(1, 7, RgError.EQUORUM)]
    # a record proposed while inquorate is not applied
    core.handle(RecordUpdate(ServiceRecord(WWW, owner=1, state=State.STARTING, version=9), 1), 4.0)
    assert core.records[WWW].version == 5


def test_a_fresh_cluster_waits_for_absent_nodes_to_be_fenced() -> None:
    """Nobody remembers what node3 ran: it may hold anything until fenced after the cluster formed."""
    conf, _ = rm_from_text('<service name="www"><script name="s" file="/x"/></service>')
    core = RmCore(1, conf, dict(NAMES))
    out = core.handle(ViewChange(4, frozenset({1, 2}), True), 0.0)
    for sender in (1, 2):
        out += core.handle(StateSync(4, sender, tuple(core.records.values())), 0.0)
    assert effects_about(out) == [] and not core.history
    assert core.start_refusal(WWW, 1) == "the state of absent nodes is not known yet"
    assert core.handle(UserRequest(1, UserOp.ENABLE, "www", origin=1), 0.5) == [Reply(1, 1, RgError.EAGAIN)]
    core.handle(NodeFenced(3, 3), 1.0)  # fenced before this cluster formed: not enough
    assert not core.history
    out = core.handle(NodeFenced(3, 4), 2.0)
    assert core.history and any(isinstance(e, Send) and e.to == 2 for e in out)  # www placed on node2


def test_two_racing_start_proposals_one_wins_everywhere() -> None:
    core = core_with_www_on_node2()
    stopped = ServiceRecord(WWW, owner=0, last_owner=2, state=State.STOPPED, version=6)
    core.handle(RecordUpdate(stopped, 2), 1.0)
    mine = ServiceRecord(WWW, owner=1, state=State.STARTING, version=7)
    core.proposals[WWW] = mine
    theirs = ServiceRecord(WWW, owner=3, state=State.STARTING, version=7)
    core.handle(RecordUpdate(theirs, 3), 1.1)  # delivered first: it wins
    out = core.handle(RecordUpdate(mine, 1), 1.2)
    assert core.records[WWW] == theirs and WWW not in core.proposals
    assert not any(type(e).__name__ == "RunAgent" for e in out)
