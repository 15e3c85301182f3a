"""cman_tool's output layouts, from the node's status replies (pure: dict in, text out)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

CMAN_VERSION = "6.2.0"
NODES_HEADER = "Node  Sts   Inc   Joined               Name"
JOINED_BLANK = " " * 19
NODE_FIELDS = ("id", "name", "type", "votes", "exp", "inc", "joined", "addr")


def status_text(s: Mapping[str, Any]) -> str:
    """``cman_tool status``: the exact lines of cman 3 (the seed article's Listing 4)."""
    quorum = f"{s['quorum']}" + ("" if s["quorate"] else " Activity blocked")
    lines = [
        f"Version: {CMAN_VERSION}",
        f"Config Version: {s['config_version']}",
        f"Cluster Name: {s['cluster_name']}",
        f"Cluster Id: {s['cluster_id']}",
        f"Cluster Member: {'Yes' if s['member'] else 'No'}",
        f"Cluster Generation: {s['generation']}",
        f"Membership state: {s['state']}",
        f"Nodes: {s['nodes']}",
        f"Expected votes: {s['expected_votes']}",
    ]
    if s.get("quorum_device_votes") is not None:
        lines.append(f"Quorum device votes: {s['quorum_device_votes']}")
    lines += [
        f"Total votes: {s['total_votes']}",
        f"Node votes: {s['node_votes']}",
        f"Quorum: {quorum}",
        f"Active subsystems: {s['active_subsystems']}",
        _listed("Flags:", s["flags"]),
        _listed("Ports Bound:", s["ports_bound"]),
        f"Node name: {s['node_name']}",
        f"Node ID: {s['node_id']}",
        _listed("Multicast addresses:", s["multicast"]),
        _listed("Node addresses:", s["node_addresses"]),
    ]
    return "\n".join(lines) + "\n"


def _listed(label: str, values: Sequence[Any]) -> str:
    return " ".join([label, *(str(v) for v in values)])


def _joined(when: float | None) -> str:
    if not when:
        return JOINED_BLANK
    return time.strftime("%F %H:%M:%S", time.localtime(when))


def nodes_text(nodes: Sequence[Mapping[str, Any]], addresses: bool = False) -> str:
    """``cman_tool nodes [-a]``: ``%4u   %c  %5d   %s  %s`` rows sorted by node id."""
    lines = [NODES_HEADER]
    for n in sorted(nodes, key=lambda n: n["id"]):
        lines.append(f"{n['id']:4d}   {n['status']}  {n['inc']:5d}   {_joined(n.get('joined'))}  {n['name']}")
        if addresses:
            lines.append("       Addresses: " + " ".join(n.get("addresses", ())))
    return "\n".join(lines) + "\n"


def field_value(node: Mapping[str, Any], field: str) -> str:
    if field == "type":
        return str(node["status"])
    if field == "addr":
        return " ".join(node.get("addresses", ()))
    if field == "joined":
        return _joined(node.get("joined")).strip()
    return str(node[field])


def nodes_fields_text(nodes: Sequence[Mapping[str, Any]], fields: Sequence[str]) -> str:
    """``cman_tool nodes -F id,name,...``: the chosen fields of each node, space separated."""
    rows = [" ".join(field_value(n, f) for f in fields) for n in sorted(nodes, key=lambda n: n["id"])]
    return "".join(row + "\n" for row in rows)


def version_text(config_version: int) -> str:
    return f"{CMAN_VERSION} config {config_version}\n"
