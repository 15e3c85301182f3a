"""Each invariant fed a crafted history: the safe run holds, the broken one names the invariant and events."""

from __future__ import annotations

from typing import Any

import pytest

from harness.scenario.history import Feed, History, Wiring, merge, parse_lines
from harness.scenario.invariants import INVARIANTS, Limits, check_all

WIRING = Wiring(
    names={1: "node1", 2: "node2", 3: "node3"},
    feeds={f"node{n}": [Feed("nps", str(n)), Feed("san", str(n), "fabric")] for n in (1, 2, 3)},
)


def ev(t: float, src: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"t": t, "src": src, "kind": kind, **fields}


def history(*events: dict[str, Any]) -> History:
    return History(merge([events]), WIRING)


def broken(name: str, h: History, limits: Limits | None = None) -> list[str]:
    return [str(v) for v in INVARIANTS[name](h, limits or Limits())]


# A clean failover: node3 fails, node1 fences it through the NPS, www moves from node3 to node2.
CLEAN = [
    ev(0.0, "node1", "start", nodeid=1, pid=10, incarnation=1),
    ev(0.0, "node2", "start", nodeid=2, pid=11, incarnation=1),
    ev(0.0, "node3", "start", nodeid=3, pid=12, incarnation=1),
    ev(1.0, "node1", "view", generation=1, members=[1, 2, 3], joined=[1, 2, 3], left=[], failed=[]),
    ev(1.0, "node1", "quorum", quorate=True, total_votes=3, quorum=2, expected_votes=3),
    ev(1.0, "node2", "view", generation=1, members=[1, 2, 3], joined=[1, 2, 3], left=[], failed=[]),
    ev(1.0, "node2", "quorum", quorate=True, total_votes=3, quorum=2, expected_votes=3),
    ev(2.0, "node3", "service", service="www", state="started", owner="node3"),
    ev(2.1, "probe", "probe", node="node3", resource="ip:192.0.2.100", present=True),
    ev(2.2, "san", "write", host="node3", lun="lun0", offset=0, length=4096, journal_seq=1),
    ev(5.0, "node1", "view", generation=2, members=[1, 2], joined=[], left=[], failed=[3]),
    ev(5.0, "node2", "view", generation=2, members=[1, 2], joined=[], left=[], failed=[3]),
    ev(5.1, "node1", "fence_call", victim="node3", agent="fence_nps", method="1", device="nps",
       action="fence"),
    ev(5.3, "nps", "outlet", outlet="3", on=False),
    ev(5.3, "probe", "probe", node="node3", resource="ip:192.0.2.100", present=False),
    ev(5.5, "node1", "fence_result", victim="node3", agent="fence_nps", method="1", device="nps",
       result="success", duration=0.4),
    ev(5.5, "node1", "fenced", victim="node3", by="node1"),
    ev(5.6, "nps", "outlet", outlet="3", on=True),
    ev(5.8, "node2", "service", service="www", state="started", owner="node2"),
    ev(5.9, "probe", "probe", node="node2", resource="ip:192.0.2.100", present=True),
]  # fmt: skip


def test_a_clean_failover_holds_every_invariant() -> None:
    assert check_all(history(*CLEAN)) == []


def test_single_active_sees_an_address_on_two_nodes() -> None:
    h = history(*CLEAN[:9], ev(3.0, "probe", "probe", node="node1", resource="ip:192.0.2.100", present=True))
    [v] = broken("single-active", h)
    assert v.startswith("single-active: ip:192.0.2.100 on node3 and node1 at once")


def test_takeover_before_the_device_cut_the_old_owner() -> None:
    early = [e for e in CLEAN if e["kind"] != "outlet"] + [ev(6.5, "nps", "outlet", outlet="3", on=False)]
    [v] = broken("fence-before-takeover", history(*early))
    assert "www started on node2 before any device cut its failed owner node3" in v


def test_an_agent_success_the_device_never_showed() -> None:
    lying = [e for e in CLEAN if not (e["kind"] == "outlet" and e["on"] is False)]
    violations = broken("verified-success", history(*lying))
    assert violations and "fence_nps reported node3 fenced but no device cut it" in violations[0]
    assert "no device did it" in broken("history-matches-devices", history(*lying))[0]


def test_a_manual_acknowledgement_needs_no_device_event() -> None:
    manual = [e for e in CLEAN if e["kind"] not in ("outlet", "fence_call", "fence_result", "fenced")]
    manual.append(ev(6.0, "node1", "fenced", victim="node3", by="node1", device="fence_ack_manual",
                     result="override"))  # fmt: skip
    assert broken("history-matches-devices", history(*manual)) == []
    assert broken("bounded-recovery", history(*manual), Limits(fence_bound=0.5)) == []


def test_a_write_from_an_isolated_host() -> None:
    h = history(
        *CLEAN,
        ev(7.0, "san", "port", port=3, host="node3", enabled=False, via="snmp"),
        ev(7.5, "san", "write", host="node3", lun="lun0", offset=8, length=512, journal_seq=2),
    )
    [v] = broken("no-write-after-fence", h)
    assert "write from node3 after it was cut off" in v
    reenabled = history(
        *CLEAN,
        ev(7.0, "san", "port", port=3, host="node3", enabled=False, via="snmp"),
        ev(7.2, "san", "port", port=3, host="node3", enabled=True, via="snmp"),
        ev(7.5, "san", "write", host="node3", lun="lun0", offset=8, length=512, journal_seq=2),
    )
    assert broken("no-write-after-fence", reenabled) == []


def test_fencing_a_member_or_an_untouched_node() -> None:
    member = history(
        *CLEAN[:7], ev(3.0, "node1", "fence_call", victim="node2", agent="fence_nps", action="fence")
    )
    assert "node1 fences node2, a member of its view" in broken("no-healthy-fenced", member)[0]
    scenario = history(*CLEAN, ev(0.0, "scenario", "scenario", name="t"), ev(4.0, "scenario", "fault",
                       target="node2", fault="crash"))  # fmt: skip
    assert "node1 fences node3, which no fault touched" in broken("no-healthy-fenced", scenario)[0]
    touched = history(*CLEAN, ev(0.0, "scenario", "scenario", name="t"), ev(4.0, "scenario", "fault",
                      target="node3", fault="crash"))  # fmt: skip
    assert broken("no-healthy-fenced", touched) == []


def test_two_quorate_partitions() -> None:
    split = history(
        *CLEAN[:7],
        ev(4.0, "node1", "view", generation=2, members=[1], failed=[2, 3]),
        ev(4.0, "node2", "view", generation=2, members=[2], failed=[1, 3]),
    )
    minority = history(
        *CLEAN[:7],
        ev(4.0, "node2", "view", generation=2, members=[2], failed=[1, 3]),
        ev(4.0, "node2", "quorum", quorate=False, total_votes=1, quorum=2, expected_votes=3),
        ev(4.0, "node1", "view", generation=2, members=[1, 3], failed=[2]),
        ev(4.0, "node1", "quorum", quorate=True, total_votes=2, quorum=2, expected_votes=3),
    )
    assert broken("single-quorate-partition", minority) == []  # a view and its quorum are one change
    [v] = broken("single-quorate-partition", split)
    assert "node1 and node2 are quorate apart" in v
    dead = history(
        *CLEAN[:7],
        ev(3.5, "nps", "outlet", outlet="2", on=False),
        ev(4.0, "node1", "view", generation=2, members=[1], failed=[2, 3]),
    )
    assert broken("single-quorate-partition", dead) == []


def test_recovery_slower_than_its_bound() -> None:
    slow = [e for e in CLEAN if not (e["kind"] == "outlet" and e["on"] is False)]
    slow.append(ev(20.0, "nps", "outlet", outlet="3", on=False))
    [v] = broken("bounded-recovery", history(*slow), Limits(fence_bound=5.0))
    assert "node3 failed and was cut after 15.00 s (bound 5 s)" in v
    assert broken("bounded-recovery", history(*CLEAN), Limits(fence_bound=5.0)) == []


def test_a_fence_storm() -> None:
    fences = [ev(10.0 + i, "node1", "fence_result", victim="node3", result="success") for i in range(4)]
    [v] = broken("no-fence-storm", history(*fences), Limits(storm_count=3, storm_window=60))
    assert "4 fences of node3 within 60 s" in v
    spread = [ev(100.0 * i, "node1", "fence_result", victim="node3", result="success") for i in range(4)]
    retries = [ev(10.0 + i, "node1", "fence_result", victim="node3", result="error") for i in range(9)]
    assert broken("no-fence-storm", history(*spread)) == []
    assert broken("no-fence-storm", history(*retries)) == []  # retries of a failing device cut nothing


def test_a_service_on_a_node_whose_san_port_is_disabled() -> None:
    h = history(
        ev(1.0, "san", "port", port=2, host="node2", enabled=False, via="snmp"),
        ev(2.0, "node2", "service", service="db", state="starting", owner="node2"),
    )
    [v] = broken("unfence-before-io", h)
    assert "db starts on node2 while its SAN port is disabled" in v


def test_parse_lines_skips_a_line_cut_short_and_merge_orders_by_time() -> None:
    a = list(parse_lines(['{"t": 2, "src": "a", "kind": "x"}\n', '{"t": 3, "src": "a", "kind": "y"']))
    b = list(parse_lines(['{"t": 1, "src": "b", "kind": "z"}\n', "not json\n"]))
    merged = merge([a, b])
    assert [(e.src, e.kind, e.seq) for e in merged] == [("b", "z", 0), ("a", "x", 1)]


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_every_invariant_has_a_failing_case_above(name: str) -> None:
    tested = {
        "single-active", "fence-before-takeover", "verified-success", "history-matches-devices",
        "no-write-after-fence", "no-healthy-fenced", "single-quorate-partition", "bounded-recovery",
        "no-fence-storm", "unfence-before-io",
    }  # fmt: skip
    assert name in tested
