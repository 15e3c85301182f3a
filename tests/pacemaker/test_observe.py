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
    assert kinds == [("start", ""), ("view", ""), ("quorum", ""), ("view", ""), ("quorum", ""),
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
