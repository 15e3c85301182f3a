"""crm_mon's XML and stonith_admin's history, parsed: outputs captured from Pacemaker 2.1.5 in a lab."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pacemaker.status import FenceEvent, StatusError, parse_crm_mon, parse_fence_history

DATA = Path(__file__).parent / "data"
NODES = ["node1", "node2", "node3"]


def test_a_running_cluster_shows_its_dc_its_nodes_and_where_each_resource_runs() -> None:
    view = parse_crm_mon((DATA / "crm_mon_running.xml").read_text())
    assert view.dc == "node1" and view.ready(NODES)
    assert view.running["www-ip-192.0.2.100"] == ["node1"] and view.running["nps"] == ["node1"]
    assert view.agents["www-ip-192.0.2.100"] == "ocf:heartbeat:IPaddr2"
    assert view.agents["nps"] == "stonith:fence_nps"


def test_a_lost_node_is_offline_and_the_cluster_not_ready() -> None:
    view = parse_crm_mon((DATA / "crm_mon_node_lost.xml").read_text())
    assert view.online == {"node1": False, "node2": True, "node3": True}
    assert not view.ready(NODES) and view.ready(["node2", "node3"])


def test_a_rejoining_node_that_is_still_pending_is_not_online_yet() -> None:
    view = parse_crm_mon((DATA / "crm_mon_pending.xml").read_text())
    assert view.online["node1"] is False and view.online["node2"] is True


def test_no_dc_means_not_ready() -> None:
    xml = (
        (DATA / "crm_mon_running.xml")
        .read_text()
        .replace('current_dc present="true"', 'current_dc present="false"')
    )
    view = parse_crm_mon(xml)
    assert view.dc is None and not view.ready(NODES)


def test_output_that_is_not_xml_is_one_line() -> None:
    with pytest.raises(StatusError) as err:
        parse_crm_mon("crm_mon: Error: cluster is not available on this node")
    assert "\n" not in str(err.value) and "not XML" in str(err.value)


def test_fence_history_lists_each_event_with_its_delegate() -> None:
    events = parse_fence_history((DATA / "stonith_history.txt").read_text())
    assert events == [FenceEvent("reboot", "node1", "successful", "node2")]


def test_fence_history_reads_unfencing_and_failures_and_skips_the_summary() -> None:
    text = (
        "unfencing of node1 successful: delegate=node2, client=pacemaker-fenced.31, origin=node3, "
        "completed='2026-12-01 11:36:11Z'\n"
        "reboot of node3 failed: delegate=node1, client=stonith_admin.90, origin=node1, "
        "completed='2026-12-01 11:37:00Z'\n2 events found\n"
    )
    assert parse_fence_history(text) == [
        FenceEvent("unfencing", "node1", "successful", "node2"),
        FenceEvent("reboot", "node3", "failed", "node1"),
    ]
