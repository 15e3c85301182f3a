"""Failover-domain scoring and target choice, rgmanager.md §4 case by case."""

from __future__ import annotations

from cluster.rm.conf_model import DomainNode, FailoverDomain, Service
from cluster.rm.placement import Score, best_target_node, exclusive_conflict, node_should_start
from cluster.rm.state import ServiceRecord, State

from .support import rm_from_text


def domain(ordered: bool = True, restricted: bool = False, nofailback: bool = False) -> FailoverDomain:
    nodes = (DomainNode("n1", 1), DomainNode("n2", 2), DomainNode("n3", 0))
    return FailoverDomain("d", ordered, restricted, nofailback, nodes)


def test_offline_no_domain_and_no_member_online() -> None:
    assert node_should_start("n1", ["n2"], domain(), None) is Score.ILLEGAL
    assert node_should_start("x", ["x"], None, None) is Score.BEST
    assert node_should_start("x", ["x"], domain(), None) is Score.BEST  # unrestricted, no member up
    assert node_should_start("x", ["x"], domain(restricted=True), None) is Score.ILLEGAL


def test_outside_node_with_a_member_online() -> None:
    assert node_should_start("x", ["x", "n2"], domain(), None) is Score.GOOD
    assert node_should_start("x", ["x", "n2"], domain(restricted=True), None) is Score.ILLEGAL


def test_ordered_priorities_and_priority_zero_first() -> None:
    up = ["n1", "n2"]
    assert node_should_start("n1", up, domain(), None) is Score.BEST
    assert node_should_start("n2", up, domain(), None) is Score.BETTER
    # an unprioritised member (priority 0) counts as most preferred
    assert node_should_start("n3", [*up, "n3"], domain(), None) is Score.BEST
    assert node_should_start("n1", [*up, "n3"], domain(), None) is Score.BETTER
    assert node_should_start("n2", up, domain(ordered=False), None) is Score.BEST


def test_nofailback_keeps_the_service_where_it_runs() -> None:
    up = ["n1", "n2"]
    on_n2 = ServiceRecord("service:s", owner=2, state=State.STARTED)
    nofb = domain(nofailback=True)
    assert node_should_start("n2", up, nofb, on_n2, "n2") is Score.BEST
    assert node_should_start("n1", up, nofb, on_n2, "n2") is Score.BETTER  # no failback to n1
    assert node_should_start("n1", up, domain(), on_n2, "n2") is Score.BEST  # failback without it
    stopped = ServiceRecord("service:s", state=State.STOPPED)
    assert node_should_start("n1", up, nofb, stopped, None) is Score.BEST


def _services(body: str) -> tuple[dict[str, Service], dict[int, str]]:
    conf, problems = rm_from_text(body)
    assert problems == []
    return {s.full_name: s for s in conf.services}, {1: "node1", 2: "node2", 3: "node3"}


def test_best_target_ties_go_to_the_later_node_and_owner_is_skipped() -> None:
    services, names = _services('<service name="a"/>')
    svc = services["service:a"]
    cands = [(1, "node1"), (2, "node2"), (3, "node3")]
    records = {"service:a": ServiceRecord("service:a")}
    assert best_target_node(cands, 0, svc, None, records, services, names) == 3
    assert best_target_node(cands, 3, svc, None, records, services, names) == 2
    assert best_target_node([(3, "node3")], 3, svc, None, records, services, names) == 3  # nothing: owner


def test_exclusive_both_ways() -> None:
    services, names = _services('<service name="x" exclusive="1"/><service name="y"/><service name="z"/>')
    records = {
        "service:x": ServiceRecord("service:x"),
        "service:y": ServiceRecord("service:y", owner=3, state=State.STARTED),
        "service:z": ServiceRecord("service:z"),
    }
    cands = [(1, "node1"), (2, "node2"), (3, "node3")]
    x, z = services["service:x"], services["service:z"]
    assert exclusive_conflict(x, 3, records, services) and not exclusive_conflict(x, 2, records, services)
    assert best_target_node(cands, 0, x, None, records, services, names) == 2  # node3 runs y
    records["service:x"] = ServiceRecord("service:x", owner=2, state=State.STARTED)
    assert exclusive_conflict(z, 2, records, services)  # nothing joins an exclusive service
    assert best_target_node(cands, 0, z, None, records, services, names) == 3
