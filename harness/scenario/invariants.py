"""Safety invariants of a fencing cluster, judged on one merged history (harness.scenario.history).

Each invariant is a small pure function ``(history, limits) -> [Violation]``. What the hardware did comes
from the devices' own events (outlet, chassis, port, write) and from ground-truth probes of the nodes
(``probe``: an address configured, a filesystem mounted, a process alive), never from what the cluster says
about itself; the cluster's claims (fence results, service starts) are what gets checked against them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from harness.scenario.history import Event, History

STARTING = ("starting", "started")


@dataclass(frozen=True)
class Limits:
    fence_bound: float = 10.0  # failure -> the device cuts the node
    service_bound: float = 20.0  # failure -> the service runs elsewhere
    storm_count: int = 3  # fence calls for one victim ...
    storm_window: float = 60.0  # ... within this many seconds


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str
    events: tuple[Event, ...]

    @property
    def t(self) -> float:
        return self.events[-1].t if self.events else 0.0

    def __str__(self) -> str:
        where = ", ".join(f"#{e.seq}@{e.t:.3f}" for e in self.events)
        return f"{self.invariant}: {self.message} [{where}]"


# ---- what the hardware says -------------------------------------------------------------------------------
def cut_between(h: History, node: str, start: float, end: float) -> Event | None:
    """The first device event that powered node off or isolated it within [start, end]."""
    for e, who, on, _ in h.power_events():
        if who == node and not on and start <= e.t <= end:
            return e
    return None


SETTLE = 0.2  # a node writes its view, then its quorum for that view: one change, not two


@dataclass(frozen=True)
class NodeState:
    """What one node believed after one membership change: its members and whether it was quorate."""

    event: Event  # the event that completed the change (the quorum after the view, or the view alone)
    node: str
    members: frozenset[str]
    quorate: bool
    failed: frozenset[str]


def node_states(h: History) -> list[NodeState]:
    """Each node's beliefs over time, a view and the quorum event that follows it taken together."""
    out = []
    members: dict[str, frozenset[str]] = {}
    quorate: dict[str, bool] = {}
    pending: dict[str, Event] = {}
    for e in h.events + [Event(float("inf"), "", "end", {}, len(h.events))]:
        for node, view in list(pending.items()):  # a view whose quorum event did not come: alone
            if e.t > view.t + SETTLE or (e.src == node and e.kind == "view"):
                del pending[node]
                out.append(_state(h, view, node, members[node], quorate.get(node, False), view))
        if e.kind == "view":
            members[e.src] = frozenset(_members(h, e))
            pending[e.src] = e
        elif e.kind == "quorum":
            quorate[e.src] = bool(e.get("quorate"))
            last_view = pending.pop(e.src) if e.src in pending else None
            out.append(_state(h, e, e.src, members.get(e.src, frozenset()), quorate[e.src], last_view))
    return out


def _state(
    h: History, e: Event, node: str, members: frozenset[str], quorate: bool, view: Event | None
) -> NodeState:
    failed = frozenset(h.name(n) for n in (view.get("failed") or [])) if view is not None else frozenset()
    return NodeState(e, node, members, quorate, failed)


def failures(h: History) -> list[tuple[Event, str]]:
    """(event, node name) for each node a quorate member saw fail (an inquorate minority's view of the
    majority as failed is no failure), first sighting per life of the node."""
    starts = [e for e in h.of("start") if "nodeid" in e.fields]
    seen: dict[str, float] = {}
    out = []
    for state in node_states(h):
        for name in sorted(state.failed):
            restarted = any(s.src == name and seen.get(name, -1.0) < s.t <= state.event.t for s in starts)
            if state.quorate and (name not in seen or restarted):
                seen[name] = state.event.t
                out.append((state.event, name))
    return out


def is_manual(fenced: Event) -> bool:
    """A `fenced` announcement that an administrator's fence_ack_manual made, not a device."""
    return fenced.get("result") == "override" or fenced.get("device") == "fence_ack_manual"


def _members(h: History, e: Event) -> set[str]:
    return {h.name(n) for n in e.get("members") or []}


# ---- the invariants -----------------------------------------------------------------------------------
def single_active(h: History, limits: Limits) -> list[Violation]:
    """No resource is present (address, mount, process) on two nodes at once, from the nodes' ground truth."""
    where: dict[str, dict[str, Event]] = defaultdict(dict)
    out = []
    for e in h.of("probe"):
        resource, node = str(e.get("resource")), str(e.get("node"))
        if e.get("present"):
            where[resource][node] = e
            if len(where[resource]) == 2:
                first, second = list(where[resource].values())
                out.append(
                    Violation(
                        "single-active",
                        f"{resource} on {first.get('node')} and {node} at once",
                        (first, second),
                    )
                )
        else:
            where[resource].pop(node, None)
    return out


def fence_before_takeover(h: History, limits: Limits) -> list[Violation]:
    """A service whose owner failed starts elsewhere only after a device cut that owner off."""
    owner: dict[str, str] = {}
    failed_at: dict[str, Event] = {}
    out = []
    for e in h.events:
        if e.kind == "view":
            for n in e.get("failed") or []:
                failed_at.setdefault(h.name(n), e)
        elif e.kind == "start":
            failed_at.pop(e.src, None)
        elif e.kind == "service" and e.get("state") in STARTING:
            svc, new = str(e.get("service")), str(e.get("owner") or e.src)
            old = owner.get(svc)
            if old and old != new and old in failed_at:
                if cut_between(h, old, failed_at[old].t, e.t) is None:
                    out.append(
                        Violation(
                            "fence-before-takeover",
                            f"{svc} started on {new} before any device cut its failed owner {old}",
                            (failed_at[old], e),
                        )
                    )
            owner[svc] = new
    return out


def verified_success(h: History, limits: Limits) -> list[Violation]:
    """An agent's success is backed by the device: the victim was cut between the call and the result."""
    calls: dict[tuple[str, str], Event] = {}
    out = []
    for e in h.of("fence_call", "fence_result"):
        key = (e.src, str(e.get("victim")))
        if e.kind == "fence_call":
            if e.get("action", "fence") == "fence":
                calls[key] = e
            continue
        call = calls.pop(key, None)
        if call is None or e.get("result") != "success":
            continue
        if cut_between(h, str(e.get("victim")), call.t, e.t) is None:
            out.append(
                Violation(
                    "verified-success",
                    f"{e.get('agent')} reported {e.get('victim')} fenced but no device cut it",
                    (call, e),
                )
            )
    return out


def history_matches_devices(h: History, limits: Limits) -> list[Violation]:
    """Every node that announces a victim fenced can point at a device event that cut it (since it failed)."""
    out = []
    fails = failures(h)
    for e in h.of("fenced"):
        victim = str(e.get("victim"))
        since = max((f.t for f, n in fails if n == victim and f.t <= e.t), default=0.0)
        if is_manual(e):
            continue  # a person vouched for it: there is no device event to find
        if cut_between(h, victim, since, e.t) is None:
            out.append(
                Violation(
                    "history-matches-devices", f"{e.src} records {victim} fenced; no device did it", (e,)
                )
            )
    return out


def no_write_after_fence(h: History, limits: Limits) -> list[Violation]:
    """No storage write from a host while a device has it isolated or powered off."""
    power = {e.seq: (node, on) for e, node, on, _ in h.power_events()}
    cut: dict[str, Event] = {}
    out = []
    for e in h.events:
        if e.seq in power:
            node, on = power[e.seq]
            if on:
                cut.pop(node, None)
            else:
                cut.setdefault(node, e)
        elif e.kind == "write" and str(e.get("host")) in cut:
            host = str(e.get("host"))
            out.append(
                Violation("no-write-after-fence", f"write from {host} after it was cut off", (cut[host], e))
            )
    return out


def no_healthy_fenced(h: History, limits: Limits) -> list[Violation]:
    """A fence call names a node its caller does not count as a member, and one some fault touched
    (when the scenario lists its faults); operators' own fence_node runs are exempt."""
    view: dict[str, Event] = {}
    faulted = {str(e.get("target")) for e in h.of("fault")}
    operator = {str(e.get("target")) for e in h.of("operator")}
    out = []
    for e in h.events:
        if e.kind == "view":
            view[e.src] = e
        elif e.kind == "fence_call" and e.get("action", "fence") == "fence":
            victim = str(e.get("victim"))
            if victim in operator:
                continue
            latest = view.get(e.src)
            if latest is not None and victim in _members(h, latest):
                out.append(
                    Violation(
                        "no-healthy-fenced", f"{e.src} fences {victim}, a member of its view", (latest, e)
                    )
                )
            elif h.of("scenario") and victim not in faulted:
                out.append(
                    Violation("no-healthy-fenced", f"{e.src} fences {victim}, which no fault touched", (e,))
                )
    return out


def single_quorate_partition(h: History, limits: Limits) -> list[Violation]:
    """Never two live quorate nodes that each lack the other in their membership."""
    belief: dict[str, NodeState] = {}
    alive: set[str] = set()
    reported: set[frozenset[str]] = set()
    out = []
    cuts = {e.seq: node for e, node, on, kind in h.power_events() if kind == "power" and not on}
    changes = {s.event.seq: s for s in node_states(h)}
    for e in h.events:
        if e.kind == "start" and "nodeid" in e.fields:  # a node daemon's start (devices have no node id)
            alive.add(e.src)
        elif e.kind == "stop":
            alive.discard(e.src)
        elif e.seq in cuts:
            alive.discard(cuts[e.seq])
            belief.pop(cuts[e.seq], None)
        elif e.seq in changes:
            belief[changes[e.seq].node] = changes[e.seq]
        else:
            continue
        live = sorted(n for n in alive if n in belief and belief[n].quorate)
        for i, a in enumerate(live):
            for b in live[i + 1 :]:
                pair = frozenset((a, b))
                apart = b not in belief[a].members and a not in belief[b].members
                if apart and pair not in reported:
                    reported.add(pair)
                    out.append(Violation("single-quorate-partition", f"{a} and {b} are quorate apart", (e,)))
    return out


def bounded_recovery(h: History, limits: Limits) -> list[Violation]:
    """A failed node is cut (or acknowledged by an administrator) within fence_bound s of its failure."""
    out = []
    manual = [e for e in h.of("fenced") if is_manual(e)]
    for view, node in failures(h):
        if any(m.get("victim") == node and m.t >= view.t for m in manual):
            continue  # recovery waited for a person, as it must when every method fails
        if cut_between(h, node, view.t, view.t + limits.fence_bound) is None:
            later = cut_between(h, node, view.t, float("inf"))
            how = f"after {later.t - view.t:.2f} s" if later else "never"
            out.append(
                Violation(
                    "bounded-recovery",
                    f"{node} failed and was cut {how} (bound {limits.fence_bound:g} s)",
                    (view,) + ((later,) if later else ()),
                )
            )
    return out


def no_fence_storm(h: History, limits: Limits) -> list[Violation]:
    """At most storm_count successful fences of one victim within storm_window seconds (a death match:
    nodes fencing each other in turn). Retries of a failing device are no storm: nothing is cut."""
    fences: dict[str, list[Event]] = defaultdict(list)
    out = []
    for e in h.of("fence_result"):
        if e.get("result") != "success":
            continue
        victim = str(e.get("victim"))
        recent = [c for c in fences[victim] if e.t - c.t <= limits.storm_window] + [e]
        fences[victim] = recent
        if len(recent) == limits.storm_count + 1:
            out.append(Violation("no-fence-storm", f"{len(recent)} fences of {victim} within "
                                 f"{limits.storm_window:g} s", tuple(recent)))  # fmt: skip
    return out


def unfence_before_io(h: History, limits: Limits) -> list[Violation]:
    """A node whose fabric port is disabled starts no service (its storage would refuse it)."""
    isolated: dict[str, Event] = {}
    out = []
    starts = {e.seq: e for e in h.of("service") if e.get("state") in STARTING}
    fabric = {e.seq: (node, on) for e, node, on, kind in h.power_events() if kind == "fabric"}
    for e in h.events:
        if e.seq in fabric:
            node, on = fabric[e.seq]
            if on:
                isolated.pop(node, None)
            else:
                isolated[node] = e
        elif e.seq in starts:
            node = str(e.get("owner") or e.src)
            if node in isolated:
                out.append(
                    Violation(
                        "unfence-before-io",
                        f"{e.get('service')} starts on {node} while its SAN port is disabled",
                        (isolated[node], e),
                    )
                )
    return out


INVARIANTS: dict[str, Callable[[History, Limits], list[Violation]]] = {
    "single-active": single_active,
    "fence-before-takeover": fence_before_takeover,
    "verified-success": verified_success,
    "history-matches-devices": history_matches_devices,
    "no-write-after-fence": no_write_after_fence,
    "no-healthy-fenced": no_healthy_fenced,
    "single-quorate-partition": single_quorate_partition,
    "bounded-recovery": bounded_recovery,
    "no-fence-storm": no_fence_storm,
    "unfence-before-io": unfence_before_io,
}


def check_all(h: History, limits: Limits | None = None, only: tuple[str, ...] = ()) -> list[Violation]:
    limits = limits or Limits()
    out = []
    for name, check in INVARIANTS.items():
        if not only or name in only:
            out += check(h, limits)
    return sorted(out, key=lambda v: v.t)
