"""Successive crm_mon snapshots (harness.pacemaker.observe) turned into history events in OUR schema.

Pure. The events are the ones a bundled node daemon writes (docs/events.md), so the scenario invariants
(harness.scenario.invariants) judge a Pacemaker cluster unchanged:

- ``start`` (src = node): the node's stack answered for the first time, or again after it stopped
  answering (its life as the cluster can see it);
- ``view`` and ``quorum`` (src = the node asked): its partition's online nodes and whether the partition
  has quorum; a node that went offline without shutting down is ``failed``;
- ``fence_call`` / ``fence_result`` / ``fenced`` (src = the node that asked for the fence): from the
  fencer's history, each request once however many nodes report it. A request first seen already done
  gets its ``fence_call`` at the time of the last snapshot that did not have it (the earliest it can have
  begun), so "the device cut the victim between the call and the result" stays an honest check;
- ``service`` (src = the node asked): each group (or stand-alone resource) as rgmanager words it:
  ``starting``, ``started`` (every member Started on one node), ``stopping``, ``stopped``, ``disabled``
  (target-role Stopped), ``failed``, with ``owner``;
- ``failed_action``: a failed resource operation (monitor, start, stop), once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.pacemaker.observe import FenceEntry, ResourceStatus, Snapshot

EPSILON = 0.001
ORIGIN_WAIT = 3.0  # how long a request waits for its requester's own answer (a hung requester: not longer)
RESULTS = {"success": "success", "failed": "error"}
MANUAL = "a human"  # the delegate of a request that ``stonith_admin --confirm`` answered


@dataclass
class _NodeView:
    generation: int = 0
    members: frozenset[str] = frozenset()
    quorate: bool | None = None
    answering: bool = False
    last_t: float | None = None  # when its previous answer was asked for
    lost: dict[str, float] = field(default_factory=dict)  # node -> when this view lost it (dated)
    dated: float = 0.0  # the time its latest view was dated at


@dataclass
class Differ:
    """Feed snapshots in time order (any node's); each ``feed`` returns the events it makes.

    ``services`` renames Pacemaker resource ids to our service names (a group ``www`` -> ``service:www``,
    the default); ``devices`` names the fence devices that can fence each node, for the fence events.
    """

    services: Mapping[str, str] = field(default_factory=dict)
    devices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # node name -> id (learned from the snapshots)
    views: dict[str, _NodeView] = field(default_factory=dict)
    fences_known: set[FenceEntry] = field(default_factory=set)  # done entries already reported
    # a request's key -> the call times of its requests that have no result yet
    open_calls: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)
    services_at: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    failures_known: set[tuple[str, str, str]] = field(default_factory=set)
    last_t: float | None = None  # the previous snapshot's time (any node)
    baseline: bool = True  # the first snapshot's fence history and failures predate the run: not events

    # ---- the entry points ---------------------------------------------------------------------------------
    def feed(self, snap: Snapshot) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for n in snap.nodes:
            self.ids.setdefault(n.name, n.id)
        me = snap.status_of(snap.node)
        if me is None or not me.online:
            return []  # a stack coming up or going down (its CIB shows itself offline): no member's view
        first = self.last_t is None
        view = self.views.setdefault(snap.node, _NodeView())
        # a change first seen now happened since this node's previous answer: date it then (+1 ms), the
        # earliest it can have been; a node answering again starts a new life, dated now
        # (and never before what this node's previous answer was dated at: one node's events stay in order)
        since = (
            max(view.last_t, view.dated) + EPSILON if view.answering and view.last_t is not None else snap.t
        )
        if not view.answering:  # a new life: it remembers no members (and lost none) from the last one
            view.answering, view.members, view.lost = True, frozenset(), {}
            out.append(self._event(snap.t, snap.node, "start", nodeid=self.ids[snap.node], pid=None))
        out += self._membership(snap, view, since)
        if first and self.baseline:
            self.fences_known |= {f for f in snap.fences if f.done}
            self.failures_known |= {(f.op_key, f.node, f.last_rc_change) for f in snap.failures}
        else:
            out += self._fences(snap, since)
            out += self._failures(snap)
        out += self._services(snap)
        view.last_t = snap.since
        self.last_t = snap.t
        return out

    def silent(self, node: str, t: float) -> list[dict[str, Any]]:
        """The node's stack did not answer at t: its next answer is a new life (a ``start``)."""
        view = self.views.get(node)
        if view is not None:
            view.answering = False
        return []

    # ---- membership ---------------------------------------------------------------------------------------
    def _membership(self, snap: Snapshot, view: _NodeView, t: float) -> list[dict[str, Any]]:
        out = []
        members = snap.online
        if members != view.members or view.generation == 0:
            before = {n.name: n for n in snap.nodes}
            gone = view.members - members
            left = sorted(
                n for n in gone if (s := before.get(n)) is not None and s.shutdown and not s.unclean
            )
            failed = sorted(gone - set(left))
            view.generation += 1
            view.lost = {n: view.lost.get(n, t) for n in snap.online_complement}
            view.dated = t
            out.append(
                self._event(t, snap.node, "view", generation=view.generation,
                            members=self._idlist(members), joined=self._idlist(members - view.members),
                            left=self._idlist(left), failed=self._idlist(failed), dc=snap.dc)
            )  # fmt: skip
            view.members = members
            out.append(self._quorum(snap, t))
            view.quorate = snap.quorate
        elif snap.quorate is not None and snap.quorate != view.quorate:
            out.append(self._quorum(snap, t))
            view.quorate = snap.quorate
        return out

    def _quorum(self, snap: Snapshot, t: float) -> dict[str, Any]:
        return self._event(t, snap.node, "quorum", quorate=bool(snap.quorate), dc=snap.dc)

    def _idlist(self, names: frozenset[str] | list[str]) -> list[int | str]:
        return sorted((self.ids.get(n, n) for n in names), key=str)

    # ---- fencing -----------------------------------------------------------------------------------------
    def _fences(self, snap: Snapshot, since: float) -> list[dict[str, Any]]:
        """Requests are told apart by (action, target, client, origin) and counted: one controller may ask
        twice for the same fence. A request made while another one for the same target and action is in
        flight is merged into it by the fencer (one agent run answers both): its call is dated with the
        first one's."""
        out: list[dict[str, Any]] = []
        fences = [f for f in snap.fences if not self._wait_for_origin(f, snap)]
        new = [f for f in reversed(fences) if f.done and f not in self.fences_known]  # oldest first
        wanted = Counter(f.key for f in fences if not f.done) + Counter(f.key for f in new)
        for f in reversed(fences):
            key = f.key
            while len(self.open_calls.get(key, [])) < wanted[key]:
                running = [t for k, ts in self.open_calls.items() if k[:2] == key[:2] for t in ts]
                t = min(running) if running else self._earliest(f, since)
                self.open_calls.setdefault(key, []).append(t)
                out.append(self._call(f, t, merged=bool(running)))
        for f in new:
            self.fences_known.add(f)
            called = self.open_calls[f.key].pop(0)
            result = RESULTS.get(f.status, f.status)
            if result == "success" and f.delegate == MANUAL:
                result = "override"  # stonith_admin --confirm: a person vouched, no device acted
            common = self._fence_fields(f)
            out.append(self._event(snap.t, f.origin, "fence_result", **common, result=result,
                                   duration=round(snap.t - called, 3), detail=f.exit_reason or "",
                                   by=f.delegate, completed=f.completed))  # fmt: skip
            if result in ("success", "override") and f.action in ("off", "reboot"):
                out.append(self._event(snap.t, f.origin, "fenced", victim=f.target, by=f.delegate,
                                       method=common["method"], device=common["device"],
                                       result=result))  # fmt: skip
        return out

    def _wait_for_origin(self, f: FenceEntry, snap: Snapshot) -> bool:
        """A request another node reports while its requester's last view still counts the victim a member:
        the requester lost the victim since, and its own next answer (within a poll or two) shows when.
        Wait for it, so the request does not look older than that loss."""
        origin = self.views.get(f.origin)
        if origin is None or snap.node == f.origin or not origin.answering or origin.last_t is None:
            return False
        known = f in self.fences_known or (not f.done and len(self.open_calls.get(f.key, [])) > 0)
        return not known and f.target in origin.members and snap.t - origin.last_t < ORIGIN_WAIT

    def _earliest(self, f: FenceEntry, since: float) -> float:
        """When a request first seen now can have begun: after the previous answer of the node that asked
        (its fencer records the request first; else of the node reporting it), and not before the asking
        node's view lost the victim (a cluster fences only nodes it lost; operators are the exception)."""
        origin = self.views.get(f.origin)
        if origin is not None and origin.answering and origin.last_t is not None:
            since = origin.last_t + EPSILON
        lost = origin.lost.get(f.target) if origin is not None else None
        return max(since, lost) if lost is not None else since

    def _call(self, f: FenceEntry, t: float, merged: bool) -> dict[str, Any]:
        return self._event(t, f.origin, "fence_call", **self._fence_fields(f), client=f.client,
                           operator=not f.client.startswith("pacemaker-"), merged=merged)  # fmt: skip

    def _fence_fields(self, f: FenceEntry) -> dict[str, Any]:
        devices = self.devices.get(f.target, ())
        action = "unfence" if f.action == "on" else "fence"
        return {"victim": f.target, "agent": "pacemaker-fenced", "method": f.action,
                "device": "+".join(devices) or None, "action": action}  # fmt: skip

    # ---- resources -----------------------------------------------------------------------------------------
    def _failures(self, snap: Snapshot) -> list[dict[str, Any]]:
        out = []
        for f in snap.failures:
            key = (f.op_key, f.node, f.last_rc_change)
            if key not in self.failures_known:
                self.failures_known.add(key)
                resource = f.op_key.rsplit("_", 2)[0]
                fields = {"resource": resource, "node": f.node, "task": f.task, "exitstatus": f.exitstatus,
                          "exitcode": f.exitcode}  # fmt: skip
                out.append(self._event(snap.t, snap.node, "failed_action", **fields))
        return out

    def _services(self, snap: Snapshot) -> list[dict[str, Any]]:
        if snap.dc is None:
            return []  # during an election the CIB's resource state is stale
        by_id = {r.id: r for r in snap.resources}
        units: dict[str, list[ResourceStatus]] = {
            g: [by_id[m] for m in members if m in by_id] for g, members in snap.groups.items()
        }
        for r in snap.resources:
            if r.group is None and not r.stonith:
                units[r.id] = [r]
        out = []
        for unit, members in sorted(units.items()):
            name = self.services.get(unit, f"service:{unit}")
            state = service_state(members)
            before = self.services_at.get(name, ("stopped", None))  # never seen: not running
            if state[0] == "starting" and before[0] in ("started", "stopping") and before[1] == state[1]:
                state = ("stopping", state[1])  # members going down one by one, in reverse order
            if before != state:
                last = before[1]
                self.services_at[name] = state
                version = self.versions[name] = self.versions.get(name, 0) + 1  # transitions seen, in order
                out.append(self._event(snap.t, snap.node, "service", service=name, state=state[0],
                                       owner=state[1], last_owner=last, version=version))  # fmt: skip
        return out

    @staticmethod
    def _event(t: float, src: str, kind: str, **fields: Any) -> dict[str, Any]:
        return {"t": t, "src": src, "kind": kind, **fields}


def service_state(members: list[ResourceStatus]) -> tuple[str, str | None]:
    """A group's state in rgmanager's words, and its owner: the node its active members run on."""
    if not members:
        return ("stopped", None)
    where = [n for r in members for n in r.nodes]
    owner = where[0] if where else None
    if any(r.failed for r in members):
        return ("failed", owner)
    roles = {r.role for r in members}
    if all(r.active and r.role in ("Started", "Promoted", "Unpromoted") for r in members):
        return ("started", owner)
    if "Stopping" in roles:
        return ("stopping", owner)
    if owner is not None:
        return ("starting", owner)  # some members up, the rest Starting or still Stopped: on the way up
    if any(r.target_role == "Stopped" for r in members):
        return ("disabled", None)
    return ("stopped", None)
