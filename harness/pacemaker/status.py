"""The stack's own view, parsed: ``crm_mon -1 --output-as=xml`` and ``stonith_admin --history`` (pure).

crm_mon's XML (Pacemaker 2.1): ``<summary><current_dc present="true" name=".."/>``, ``<nodes><node
name=".." online="true|false" pending=".." unclean=".." .../>`` and ``<resources>`` holding ``<resource>``
elements (directly, or inside ``<group>``/``<clone>``) with ``role`` and one ``<node name=".."/>`` per node
it runs on. ``stonith_admin --history NODE --verbose`` prints one line per event, e.g.
``reboot of node2 successful: delegate=node1, client=pacemaker-controld.37, origin=node1,
completed='2026-12-01 11:34:12Z'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class StatusError(ValueError):
    """The tool's output is not what Pacemaker 2.1 prints; one line."""


@dataclass(frozen=True)
class ClusterStatus:
    dc: str | None  # the designated controller's node name, None while there is none
    online: dict[str, bool]  # node name -> online and joined (not "pending")
    running: dict[str, list[str]] = field(default_factory=dict)  # resource id -> nodes it is active on
    agents: dict[str, str] = field(default_factory=dict)  # resource id -> its agent (ocf:heartbeat:IPaddr2)

    def ready(self, nodes: list[str]) -> bool:
        """A DC is elected and every node given is online."""
        return self.dc is not None and all(self.online.get(n) for n in nodes)


def parse_crm_mon(xml: str) -> ClusterStatus:
    try:
        root = etree.fromstring(xml.encode(), _PARSER)
    except etree.XMLSyntaxError as err:
        raise StatusError(f"crm_mon output is not XML: {err}") from None
    dc_el = root.find("summary/current_dc")
    dc = dc_el.get("name") if dc_el is not None and dc_el.get("present") == "true" else None
    online = {n.get("name", ""): n.get("online") == "true" and n.get("pending") != "true"
              for n in root.iterfind("nodes/node")}  # fmt: skip
    running: dict[str, list[str]] = {}
    agents: dict[str, str] = {}
    resources = root.find("resources")
    if resources is not None:
        for res in resources.iter("resource"):
            rid = res.get("id", "")
            active = res.get("active") == "true" and res.get("failed") != "true"
            running[rid] = [n.get("name", "") for n in res.iterfind("node")] if active else []
            agents[rid] = res.get("resource_agent", "")
    return ClusterStatus(dc, online, running, agents)


@dataclass(frozen=True)
class FenceEvent:
    action: str  # reboot, off, on
    target: str
    state: str  # successful, failed, pending ...
    delegate: str | None  # the node whose fencer ran the agent


_EVENT = re.compile(
    r"^\s*(?P<action>\S+) of (?P<target>\S+) (?P<state>successful|failed|pending)\b(?P<rest>.*)"
)
_DELEGATE = re.compile(r"delegate=([^,\s]+)")


def parse_fence_history(text: str) -> list[FenceEvent]:
    """Every event stonith_admin --history prints (other lines, such as its summary, are left out)."""
    events = []
    for line in text.splitlines():
        match = _EVENT.match(line)
        if match is None:
            continue
        delegate = _DELEGATE.search(match["rest"])
        events.append(FenceEvent(match["action"], match["target"], match["state"],
                                 delegate.group(1) if delegate else None))  # fmt: skip
    return events
