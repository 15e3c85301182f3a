"""crm_mon's XML as the lab reads it (readiness, where a resource runs): outputs captured from Pacemaker
2.1.5 in a 3-node lab. The scenario side of the same parser is in test_observe.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.pacemaker.observe import ObserveError, Snapshot, parse_crm_mon

DATA = Path(__file__).parent / "data"
NODES = ["node1", "node2", "node3"]


def parsed(name: str, text: str | None = None) -> Snapshot:
    return parse_crm_mon(text if text is not None else (DATA / name).read_text(), 0.0, "node2")


def test_a_running_cluster_shows_its_dc_its_nodes_and_where_each_resource_runs() -> None:
    view = parsed("crm_mon_running.xml")
    assert view.dc == "node1" and view.ready(NODES)
    assert view.active_on("ocf:heartbeat:IPaddr2") == ["node1"]
    assert view.active_on("stonith:fence_nps") == ["node1"]


def test_a_lost_node_is_offline_and_the_cluster_not_ready() -> None:
    view = parsed("crm_mon_node_lost.xml")
    assert view.online == {"node2", "node3"}
    assert not view.ready(NODES) and view.ready(["node2", "node3"])


def test_a_rejoining_node_that_is_still_pending_is_not_ready_yet() -> None:
    view = parsed("crm_mon_pending.xml")
    assert not view.ready(["node1"]) and view.ready(["node2"])


def test_no_dc_means_not_ready() -> None:
    xml = (DATA / "crm_mon_running.xml").read_text()
    view = parsed("", xml.replace('current_dc present="true"', 'current_dc present="false"'))
    assert view.dc is None and not view.ready(NODES)


def test_output_that_is_not_xml_is_one_line() -> None:
    with pytest.raises(ObserveError) as err:
        parsed("", "crm_mon: Error: cluster is not available on this node")
    assert "\n" not in str(err.value) and "not XML" in str(err.value)
