"""The runtime tools' output layouts, pure: reply dicts in, cman 3 text out."""

from __future__ import annotations

from typing import Any

from cluster.tools import cman_format
from cluster.tools.fence_tool import history_text, ls_text


def status(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "config_version": 5,
        "cluster_name": "iscsicluster",
        "cluster_id": 46516,
        "member": True,
        "generation": 748,
        "state": "Cluster-Member",
        "nodes": 2,
        "expected_votes": 1,
        "quorum_device_votes": None,
        "total_votes": 2,
        "node_votes": 1,
        "quorum": 1,
        "quorate": True,
        "active_subsystems": 8,
        "flags": ["2node"],
        "ports_bound": [0],
        "node_name": "iscsi1",
        "node_id": 1,
        "multicast": [],
        "node_addresses": [],
    }
    return {**base, **changes}


def test_listing_4_verbatim() -> None:
    # Listing 4 as printed in the seed article (it left the two address lists empty)
    assert cman_format.status_text(status()) == (
        "Version: 6.2.0\nConfig Version: 5\nCluster Name: iscsicluster\nCluster Id: 46516\n"
        "Cluster Member: Yes\nCluster Generation: 748\nMembership state: Cluster-Member\nNodes: 2\n"
        "Expected votes: 1\nTotal votes: 2\nNode votes: 1\nQuorum: 1\nActive subsystems: 8\nFlags: 2node\n"
        "Ports Bound: 0\nNode name: iscsi1\nNode ID: 1\nMulticast addresses:\nNode addresses:\n"
    )


def test_inquorate_and_quorum_device_lines() -> None:
    text = cman_format.status_text(status(quorate=False, quorum=2, quorum_device_votes=1, flags=[]))
    assert "Quorum: 2 Activity blocked\n" in text
    assert "Expected votes: 1\nQuorum device votes: 1\nTotal votes: 2\n" in text
    assert "\nFlags:\n" in text


def test_nodes_layout() -> None:
    nodes = [
        {
            "id": 2,
            "name": "b",
            "status": "X",
            "inc": 0,
            "joined": None,
            "votes": 1,
            "exp": 3,
            "addresses": [],
        },
        {
            "id": 1,
            "name": "a",
            "status": "M",
            "inc": 12,
            "joined": 0.0,
            "votes": 1,
            "exp": 3,
            "addresses": ["127.0.0.1"],
        },
    ]
    assert cman_format.nodes_text(nodes).splitlines() == [
        "Node  Sts   Inc   Joined               Name",
        "   1   M     12                        a",
        "   2   X      0                        b",
    ]
    assert cman_format.nodes_text(nodes, addresses=True).splitlines()[2] == "       Addresses: 127.0.0.1"
    assert cman_format.nodes_fields_text(nodes, ["id", "votes", "exp", "addr"]) == "1 1 3 127.0.0.1\n2 1 3 \n"


def test_fence_tool_ls_and_history() -> None:
    domain = {
        "member_count": 3,
        "victim_count": 1,
        "victim_now": 3,
        "master_nodeid": 1,
        "wait_state": "fencing",
        "members": [1, 2],
    }
    assert ls_text(domain) == (
        "fence domain\nmember count  3\nvictim count  1\nvictim now    3\nmaster nodeid 1\n"
        "wait state    fencing\nmembers       1 2 \n"
    )
    record = {
        "time": 0.5,
        "victim": "node3",
        "method": "1",
        "device": "nps",
        "result": "error",
        "duration": 1.25,
        "by": "node1",
        "detail": "exit 1",
    }
    line = history_text([record]).splitlines()[1]
    assert line.endswith("node3        1        nps          error       1.250  node1  (exit 1)")


def test_history_of_a_manual_override_stays_in_columns() -> None:
    base = {"time": 0.5, "victim": "node3", "duration": 0.0, "by": "node1", "detail": ""}
    override = {**base, "method": "manual", "device": "fence_ack_manual", "result": "override"}
    call = {**base, "method": "1", "device": "nps", "result": "error", "duration": 1.25, "detail": "exit 1"}
    header, *rows = history_text([override, call]).splitlines()
    for word in ("result", "secs", "by"):  # each column starts (or, for secs, ends) at the header's place
        at = header.index(word) + (len(word) if word == "secs" else 0)
        for row, value in zip(
            rows, (("override", "0.000", "node1"), ("error", "1.250", "node1")), strict=True
        ):
            cell = value[("result", "secs", "by").index(word)]
            assert (row.index(cell, 24) + (len(cell) if word == "secs" else 0)) == at, (word, row)
