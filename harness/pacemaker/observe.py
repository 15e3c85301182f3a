"""What a Pacemaker node says about its cluster, parsed into snapshots (pure: XML text in, dataclasses out).

Sources, both Pacemaker 2.1 XML (``api-version`` 2.x, the stable output; the text formats change between
releases):

- ``crm_mon -1 --output-as=xml``: the node's partition as its CIB holds it: nodes (online, unclean,
  shutdown), the DC and whether its partition has quorum (``current_dc with_quorum``), every resource with
  its role and the nodes it is active on (groups keep their members), failed actions, and the fencer's
  whole history (``fence_history``: every request, pending ones included).
- ``stonith_admin --history '*' --verbose --output-as=xml``: the same ``fence_event`` elements (without
  ``--verbose`` only the latest per node).

Fence history times (``completed``) have one-second resolution, so the events the differ
(harness.pacemaker.history_differ) makes carry the time the poller *saw* a change, not the time Pacemaker
wrote down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

INFINITY = 1000000  # Pacemaker's score and fail-count "INFINITY"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class ObserveError(ValueError):
    """Output that is not a usable answer (the node's CIB is not reachable, or not Pacemaker XML)."""


@dataclass(frozen=True)
class NodeStatus:
    name: str
    id: int
    online: bool
    unclean: bool = False
    shutdown: bool = False
    pending: bool = False
    standby: bool = False
    is_dc: bool = False


@dataclass(frozen=True)
class ResourceStatus:
    id: str
    agent: str  # "ocf:heartbeat:IPaddr2", "stonith:fence_nps", "lsb:httpd"
    role: str  # Started, Starting, Stopping, Stopped, Promoted, Unpromoted...
    active: bool
    failed: bool
    nodes: tuple[str, ...]  # where it is active
    group: str | None = None  # the group it belongs to
    target_role: str | None = None

    @property
    def stonith(self) -> bool:
        return self.agent.startswith("stonith:")


@dataclass(frozen=True)
class FailedAction:
    op_key: str  # "www-app_monitor_1000"
    node: str
    task: str  # start, stop, monitor
    exitstatus: str  # "not running"
    exitcode: int
    interval_ms: int
    last_rc_change: str


@dataclass(frozen=True)
class FenceEntry:
    """One fencing request as the fencer remembers it; ``key`` names the request across snapshots."""

    action: str  # reboot, off, on
    target: str
    client: str  # "pacemaker-controld.3819", "stonith_admin.4209": the requester, with its pid
    origin: str  # the node that asked
    status: str  # pending, success, failed
    delegate: str | None = None  # the node that ran the agent (unknown while pending)
    completed: str | None = None  # "2026-12-01 11:31:27Z" (seconds only)
    exit_reason: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.action, self.target, self.client, self.origin)

    @property
    def done(self) -> bool:
        return self.status != "pending"


@dataclass(frozen=True)
class Snapshot:
    """One node's answer at one time."""

    t: float
    node: str  # the node that was asked
    dc: str | None
    quorate: bool | None  # None while there is no DC (an election: nobody knows)
    nodes: tuple[NodeStatus, ...]
    resources: tuple[ResourceStatus, ...] = ()
    failures: tuple[FailedAction, ...] = ()
    fences: tuple[FenceEntry, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group id -> member ids, in order
    fail_counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (node, resource) -> failures
    asked: float | None = None  # when the command was started (``t``: when its answer was complete)

    @property
    def since(self) -> float:
        """The earliest time the state shown can be from."""
        return self.t if self.asked is None else self.asked

    def status_of(self, name: str) -> NodeStatus | None:
        return next((n for n in self.nodes if n.name == name), None)

    @property
    def online(self) -> frozenset[str]:
        return frozenset(n.name for n in self.nodes if n.online)

    def ready(self, names: list[str]) -> bool:
        """A DC is elected and every node named is online and joined (not pending)."""
        states = [self.status_of(n) for n in names]
        return self.dc is not None and all(st is not None and st.online and not st.pending for st in states)

    def active_on(self, agent: str) -> list[str]:
        """The nodes where a resource of ``agent`` ("ocf:heartbeat:IPaddr2") is active and not failed."""
        return [n for r in self.resources if r.agent == agent and r.active and not r.failed for n in r.nodes]

    @property
    def online_complement(self) -> frozenset[str]:
        """Configured nodes that are not online here."""
        return frozenset(n.name for n in self.nodes if not n.online)


def _flag(el: etree._Element, name: str) -> bool:
    return el.get(name) == "true"


def _root(text: str, what: str) -> etree._Element:
    try:
        root = etree.fromstring(text.encode(), _PARSER)
    except etree.XMLSyntaxError as err:
        raise ObserveError(f"{what}: not XML: {err}") from None
    if root.tag != "pacemaker-result":
        raise ObserveError(f"{what}: not Pacemaker output (root <{root.tag}>)")
    status = root.find("status")
    errors = [e.text or "" for e in root.iterfind("status/errors/error")]
    if (
        status is not None
        and (status.get("code") not in ("0", None) or errors)
        and root.find("nodes") is None
    ):
        said = errors[0] if errors else status.get("message", "")
        raise ObserveError(f"{what}: {said.strip() or 'error ' + str(status.get('code'))}")
    return root


def _count(text: str) -> int:
    return INFINITY if text.upper() in ("INFINITY", "+INFINITY") else int(text)


def _fence(el: etree._Element) -> FenceEntry:
    return FenceEntry(
        action=el.get("action", ""), target=el.get("target", ""), client=el.get("client", ""),
        origin=el.get("origin", ""), status=el.get("status", ""), delegate=el.get("delegate"),
        completed=el.get("completed"), exit_reason=el.get("exit-reason") or None,
    )  # fmt: skip


def _resource(el: etree._Element, group: str | None) -> ResourceStatus:
    return ResourceStatus(
        id=el.get("id", ""), agent=el.get("resource_agent", ""), role=el.get("role", ""),
        active=_flag(el, "active"), failed=_flag(el, "failed"),
        nodes=tuple(n.get("name", "") for n in el.iterfind("node")), group=group,
        target_role=el.get("target_role"),
    )  # fmt: skip


def parse_crm_mon(text: str, t: float, node: str, asked: float | None = None) -> Snapshot:
    """``crm_mon -1 --output-as=xml`` as ``node`` answered it at ``t``; ObserveError if it could not."""
    root = _root(text, f"crm_mon on {node}")
    nodes_el = root.find("nodes")
    if nodes_el is None:
        raise ObserveError(f"crm_mon on {node}: no <nodes> in its answer")
    dc_el = root.find("summary/current_dc")
    dc = dc_el.get("name") if dc_el is not None and dc_el.get("present") == "true" else None
    quorate = (dc_el.get("with_quorum") == "true") if dc is not None and dc_el is not None else None
    nodes = tuple(
        NodeStatus(
            name=n.get("name", ""),
            id=int(n.get("id") or 0),
            online=_flag(n, "online"),
            unclean=_flag(n, "unclean"),
            shutdown=_flag(n, "shutdown"),
            pending=_flag(n, "pending"),
            standby=_flag(n, "standby"),
            is_dc=_flag(n, "is_dc"),
        )  # fmt: skip
        for n in nodes_el.iterfind("node")
    )
    resources: list[ResourceStatus] = []
    groups: dict[str, tuple[str, ...]] = {}
    for el in root.iterfind("resources/*"):
        if el.tag == "resource":
            resources.append(_resource(el, None))
        elif el.tag == "group":
            members = [_resource(r, el.get("id")) for r in el.iterfind("resource")]
            groups[el.get("id", "")] = tuple(r.id for r in members)
            resources += members
    failures = tuple(
        FailedAction(
            op_key=f.get("op_key", ""),
            node=f.get("node", ""),
            task=f.get("task", ""),
            exitstatus=f.get("exitstatus", ""),
            exitcode=int(f.get("exitcode") or 0),
            interval_ms=int(f.get("interval") or 0),
            last_rc_change=f.get("last-rc-change", ""),
        )  # fmt: skip
        for f in root.iterfind("failures/failure")
    )
    fences = tuple(_fence(f) for f in root.iterfind("fence_history/fence_event"))
    counts = {
        (n.get("name", ""), h.get("id", "")): _count(h.get("fail-count", "0"))
        for n in root.iterfind("node_history/node")
        for h in n.iterfind("resource_history")
        if h.get("fail-count") not in (None, "0")
    }
    return Snapshot(t, node, dc, quorate, nodes, tuple(resources), failures, fences, groups, counts, asked)


def parse_fence_history(text: str) -> tuple[FenceEntry, ...]:
    """``stonith_admin --history '*' --verbose --output-as=xml``: every request the fencer remembers."""
    root = _root(text, "stonith_admin --history")
    return tuple(_fence(f) for f in root.iterfind("list/fence_event"))
