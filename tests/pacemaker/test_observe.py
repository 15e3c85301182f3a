"""The crm_mon / stonith_admin parsers and the history differ on REAL Pacemaker 2.1.5 output.

tests/pacemaker/data/ was captured from a single-node Corosync 3.1.7 + Pacemaker 2.1.5 cluster (node1 on
loopback in its own network and mount namespace; ``ghost`` configured but never up) fencing through our
fence_nps against our NPS emulator: ``sudo .venv/bin/python -m tests.pacemaker.capture tests/pacemaker/data``
(tests/pacemaker/capture.py says what each file is); test_live_capture.py runs that capture live.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.pacemaker.history_differ import Differ
from harness.pacemaker.observe import ObserveError, Snapshot, parse_crm_mon, parse_fence_history
from harness.scenario.history import Feed, History, Wiring, merge
from harness.scenario.invariants import check_all

DATA = Path(__file__).parent / "data"


def xml(name: str) -> str:
    return (DATA / f"{name}.xml").read_text()


def snap(name: str, t: float = 0.0) -> Snapshot:
    return parse_crm_mon(xml(name), t, "node1")


def boot_snapshots(data: Path = DATA) -> list[Snapshot]:
    """The boot sequence as the poller would have seen it (a snapshot that did not answer is skipped)."""
    out = []
    for row in json.loads((data / "boot.json").read_text()):
        try:
            out.append(parse_crm_mon((data / row["file"]).read_text(), row["t"], "node1"))
        except ObserveError:
            continue
    return out


def devices(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


GHOST_WIRING = Wiring(names={1: "node1", 2: "ghost"}, feeds={"node1": [], "ghost": [Feed("nps", "2")]})


def judged(events: list[dict[str, Any]], device_log: list[dict[str, Any]]) -> History:
    return History(merge([events, device_log]), GHOST_WIRING)


# ---- the parser -------------------------------------------------------------------------------------------
def test_a_node_with_its_cib_not_up_yet_is_no_answer() -> None:
    with pytest.raises(ObserveError, match="^crm_mon on node1: Could not connect to the CIB"):
        snap("boot-00")
    with pytest.raises(ObserveError, match="not XML"):
        parse_crm_mon("crm_mon: command not found", 0.0, "node1")


def test_an_unseen_node_is_unclean_and_the_dc_is_quorate() -> None:
    s = snap("boot-03")
    assert s.dc == "node1" and s.quorate is True
    ghost, node1 = s.status_of("ghost"), s.status_of("node1")
    assert ghost is not None and node1 is not None
    assert (ghost.id, ghost.online, ghost.unclean) == (2, False, True)
    assert (node1.online, node1.unclean, node1.is_dc) == (True, False, True)
    assert s.online == {"node1"}
    assert s.groups == {"www": ("www-data", "www-app")}
    assert [(r.id, r.role, r.active, r.group) for r in s.resources] == [
        ("fence-nps", "Stopped", False, None), ("www-data", "Stopped", False, "www"),
        ("www-app", "Stopped", False, "www"),
    ]  # fmt: skip
    [pending] = s.fences
    assert (pending.action, pending.target, pending.status, pending.delegate) == (
        "reboot",
        "ghost",
        "pending",
        None,
    )
    assert pending.client.startswith("pacemaker-controld.") and not pending.done


def test_no_dc_during_the_election_means_quorum_unknown() -> None:
    s = snap("boot-01")
    assert s.dc is None and s.quorate is None


def test_resources_where_they_run_and_the_fence_that_preceded_them() -> None:
    s = snap("boot-06")
    assert {r.id: (r.role, r.nodes) for r in s.resources} == {
        "fence-nps": ("Started", ("node1",)), "www-data": ("Started", ("node1",)),
        "www-app": ("Started", ("node1",)),
    }  # fmt: skip
    [done] = s.fences
    assert (done.status, done.delegate, done.completed) == ("success", "node1", done.completed)
    assert done.completed is not None and done.completed.endswith("Z")
    assert s.status_of("ghost") is not None and not s.status_of("ghost").unclean  # type: ignore[union-attr]


def test_failed_actions_and_a_disabled_group() -> None:
    [failure] = snap("monitor-failed").failures
    assert (failure.op_key, failure.node, failure.task, failure.exitcode, failure.interval_ms) == (
        "www-app_monitor_1000", "node1", "monitor", 7, 1000)  # fmt: skip
    stopped = snap("group-stopped")
    www = [r for r in stopped.resources if r.group == "www"]
    assert [(r.role, r.target_role, r.active) for r in www] == [("Stopped", "Stopped", False)] * 2


def test_failed_and_manual_fences_in_both_sources_agree() -> None:
    mon = snap("confirm").fences
    history = parse_fence_history(xml("stonith-history"))
    assert history == mon
    assert [(f.action, f.status, f.delegate) for f in history] == [
        ("off", "success", "a human"), ("off", "failed", "node1"), ("off", "success", "node1"),
        ("reboot", "success", "node1"),
    ]  # fmt: skip


# ---- the differ on the real boot sequence ---------------------------------------------------------------
def boot_events() -> list[dict[str, Any]]:
    differ = Differ(devices={"ghost": ("fence-nps",)})
    return [e for s in boot_snapshots() for e in differ.feed(s)]


def test_the_boot_becomes_our_events_in_order() -> None:
    events = boot_events()
    kinds = [(e["kind"], e.get("state") or e.get("victim") or "") for e in events]
    assert kinds == [("start", ""), ("view", ""), ("quorum", ""),
                     ("fence_call", "ghost"), ("fence_result", "ghost"), ("fenced", "ghost"),
                     ("service", "started")]  # fmt: skip
    by_kind = {e["kind"]: e for e in events}
    assert by_kind["view"]["members"] == [1] and by_kind["quorum"]["quorate"] is True
    assert by_kind["fence_result"]["result"] == "success" and by_kind["fence_result"]["device"] == "fence-nps"
    assert by_kind["service"]["service"] == "service:www" and by_kind["service"]["owner"] == "node1"
    outlet_off = devices(DATA / "nps-boot.jsonl")[1]
    assert outlet_off["on"] is False
    # the call is dated by the last snapshot without it: before the device acted, the result after
    assert by_kind["fence_call"]["t"] < outlet_off["t"] < by_kind["fence_result"]["t"]
    assert by_kind["fence_result"]["t"] <= by_kind["service"]["t"]


def test_the_real_boot_holds_every_invariant() -> None:
    assert check_all(judged(boot_events(), devices(DATA / "nps-boot.jsonl"))) == []


def test_a_fencer_success_the_device_log_does_not_show_is_caught() -> None:
    """Pacemaker's own history says ghost was fenced; the NPS never switched outlet 2."""
    quiet_device = devices(DATA / "nps-boot.jsonl")[:1]  # only its start: no outlet ever changed
    caught = {v.invariant for v in check_all(judged(boot_events(), quiet_device))}
    assert caught == {"verified-success", "history-matches-devices"}


def test_each_request_is_reported_once_whichever_node_answers() -> None:
    differ = Differ()
    later = [snap("fence-off", 10.0), snap("fence-failed", 11.0)]
    first = differ.feed(snap("boot-06", 9.0))
    assert not [e for e in first if e["kind"].startswith("fence")]  # the baseline predates the run
    events = differ.feed(later[0]) + differ.feed(parse_crm_mon(xml("fence-failed"), 11.0, "node2"))
    events += differ.feed(snap("fence-failed", 12.0))
    results = [(e["result"], e["operator"] if "operator" in e else None) for e in events
               if e["kind"] == "fence_result"]  # fmt: skip
    assert results == [("success", None), ("error", None)]
    calls = [e for e in events if e["kind"] == "fence_call"]
    assert [c["operator"] for c in calls] == [True, True]  # stonith_admin, not the controller


def test_a_manual_confirmation_is_an_override() -> None:
    differ = Differ()
    differ.feed(snap("fence-failed", 1.0))
    fenced = [e for e in differ.feed(snap("confirm", 2.0)) if e["kind"] == "fenced"]
    assert [(e["victim"], e["result"], e["by"]) for e in fenced] == [("ghost", "override", "a human")]


def test_service_transitions_of_a_failed_monitor_and_a_disable() -> None:
    differ = Differ()
    differ.feed(snap("boot-06", 1.0))
    failed = differ.feed(snap("monitor-failed", 2.0))
    actions = [(e.get("resource"), e.get("task")) for e in failed if e["kind"] == "failed_action"]
    assert actions == [("www-app", "monitor")]
    stopped = [e for e in differ.feed(snap("group-stopped", 3.0)) if e["kind"] == "service"]
    assert [(e["state"], e["owner"], e["last_owner"]) for e in stopped] == [("disabled", None, "node1")]


def test_fail_counts_per_node_and_resource() -> None:
    assert snap("monitor-failed").fail_counts == {("node1", "www-app"): 1}
    assert snap("boot-06").fail_counts == {}


def test_a_request_merged_into_one_in_flight_is_dated_with_it() -> None:
    """Two requests to reboot one node from one controller (the same key): the fencer runs the agent
    once for both, so the second's call is dated with the first's, and the device's cut counts for it."""
    from dataclasses import replace

    base = snap("fence-pending", 1.0)
    pending = next(f for f in base.fences if not f.done)
    done = replace(pending, status="success", delegate="node1", completed="2026-12-01 11:33:29Z")
    differ = Differ()
    differ.feed(replace(base, fences=()))
    first = differ.feed(replace(base, t=2.0, asked=1.9, fences=(pending,)))
    both = differ.feed(replace(base, t=3.0, asked=2.9, fences=(pending, done)))  # a second one, first done
    last = differ.feed(replace(base, t=4.0, asked=3.9, fences=(replace(done, completed="x"), done)))
    calls = [e for e in first + both + last if e["kind"] == "fence_call"]
    results = [e for e in first + both + last if e["kind"] == "fence_result"]
    assert [(c["t"], c["merged"]) for c in calls] == [(calls[0]["t"], False), (calls[0]["t"], True)]
    assert calls[0]["t"] < 2.0 and [r["t"] for r in results] == [3.0, 4.0]


# ---- a real 3-node failover ----------------------------------------------------------------------------
# data/failover/: service-failover on --backend pacemaker (three nodes, www = Filesystem + IPaddr2 + lsb,
# NPS fencing): every distinct crm_mon answer of each node as the poller saw it (FENCELAB_PCMK_RAW), the
# NPS's log and the scenario's own events (the crash of node1, the namespace probes).
FAILOVER = DATA / "failover"
WWW_WIRING = Wiring(names={1: "node1", 2: "node2", 3: "node3"},
                    feeds={f"node{n}": [Feed("nps", str(n))] for n in (1, 2, 3)})  # fmt: skip


def failover_snapshots() -> list[Snapshot]:
    import gzip

    rows = [json.loads(line) for line in gzip.open(FAILOVER / "crm_mon.jsonl.gz", "rt")]
    out, xml = [], {}
    for r in rows:  # xml null: the node's answer did not change
        xml[r["node"]] = r["xml"] or xml[r["node"]]
        out.append(parse_crm_mon(xml[r["node"]], r["t"], r["node"], r["asked"]))
    return sorted(out, key=lambda s: s.t)


def failover_history(snaps: list[Snapshot], device_log: list[dict[str, Any]] | None = None) -> History:
    differ = Differ(devices={f"node{n}": ("nps",) for n in (1, 2, 3)})
    events = [e for s in snaps for e in differ.feed(s)]
    scenario = devices(FAILOVER / "scenario.jsonl")
    nps = devices(FAILOVER / "nps.jsonl") if device_log is None else device_log
    return History(merge([events, scenario, nps]), WWW_WIRING)


def test_the_real_failover_holds_every_invariant() -> None:
    h = failover_history(failover_snapshots())
    assert check_all(h) == []
    starts = [(e.get("state"), e.get("owner")) for e in h.of("service")]
    assert starts[-1] == ("started", "node2") and ("started", "node1") in starts
    [call] = h.of("fence_call")
    view = next(e for e in h.of("view") if e.src == call.src and e.get("failed") == [1])
    assert view.seq < call.seq  # the requester lost node1 before it asked (not an artefact of polling)
    # node1's last answers while it died showed every node offline: no member's view, no view at all
    assert all(int(e.src[-1]) in e.get("members") for e in h.of("view"))
    versions = [e.get("version") for e in h.of("service")]
    assert versions == list(range(1, len(versions) + 1))  # each transition its own (the plot keys on it)


def test_a_takeover_before_the_fence_is_caught_in_the_real_failover() -> None:
    """The same real answers, with the device's cut of node1 moved after www started on node2: the
    fencer and the resource manager say what they said, the hardware says the takeover came first."""
    nps = devices(FAILOVER / "nps.jsonl")
    started = next(e for e in failover_history(failover_snapshots()).of("service")
                   if e.get("state") == "started" and e.get("owner") == "node2")  # fmt: skip
    late = [dict(e, t=started.t + 1.0) if e["kind"] == "outlet" else e for e in nps]
    caught = {v.invariant for v in check_all(failover_history(failover_snapshots(), late))}
    assert "fence-before-takeover" in caught and "verified-success" in caught


def test_a_request_reported_before_its_requester_answers_waits_for_its_view(monkeypatch: Any) -> None:
    """The DC (node3) asked for the fence; node2's answer shows the request first because the DC's own
    crm_mon answers were slow (dropped here). Dated at once, the request would look older than the DC's
    loss of node1, as if it fenced a member; it waits for the DC's answer instead."""
    import harness.pacemaker.history_differ as differ_module

    snaps = failover_snapshots()
    first = next(s for s in snaps if s.fences)
    lost = next(s for s in snaps if s.node == first.fences[0].origin and "node1" not in s.online)
    slow = [s for s in snaps if not (s.node == lost.node and lost.t <= s.t < first.t)]
    assert first.node != lost.node
    assert check_all(failover_history(slow)) == []
    monkeypatch.setattr(differ_module, "ORIGIN_WAIT", 0.0)  # without the wait: the artefact
    assert {v.invariant for v in check_all(failover_history(slow))} == {"no-healthy-fenced"}
