"""Where a service may and should run: rgmanager's failover-domain scoring and target choice (§4).

Pure functions over a snapshot: which nodes are online (running the resource manager, in the quorate
view), the domain, and the current records of all services.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence

from .conf_model import FailoverDomain, Service
from .state import HELD_STATES, ServiceRecord, State


class Score(enum.IntEnum):
    ILLEGAL = 0
    GOOD = 1
    BETTER = 2
    BEST = 3


def node_should_start(
    node: str, online: Iterable[str], domain: FailoverDomain | None, record: ServiceRecord | None,
    owner_name: str | None = None,
) -> Score:  # fmt: skip
    """fo_domain.c's node_should_start. ``owner_name`` is the record owner's node name (None if none)."""
    up = set(online)
    if node not in up:
        return Score.ILLEGAL
    if domain is None:
        return Score.BEST
    members = [m for m in domain.nodes if m.name in up]
    if not members:
        return Score.ILLEGAL if domain.restricted else Score.BEST
    me = domain.member(node)
    if me is None:
        return Score.ILLEGAL if domain.restricted else Score.GOOD
    if not domain.ordered:
        return Score.BEST
    running = record is not None and record.state in (State.STARTED, State.STARTING)
    owner_up = owner_name is not None and owner_name in up
    best_priority = min(m.priority for m in members)  # priority 0 sorts first: most preferred
    if me.priority == best_priority:
        if domain.nofailback and running and owner_up and owner_name != node:
            return Score.BETTER
        return Score.BEST
    if domain.nofailback and running and owner_up and owner_name == node:
        return Score.BEST
    return Score.BETTER


def running_on(records: Mapping[str, ServiceRecord], node: int) -> list[str]:
    """Services a node may hold resources of."""
    return [name for name, rec in records.items() if rec.owner == node and rec.state in HELD_STATES]


def exclusive_conflict(
    service: Service, node: int, records: Mapping[str, ServiceRecord], services: Mapping[str, Service]
) -> bool:
    """An exclusive service needs a node running nothing else; a node running one accepts nothing."""
    others = [name for name in running_on(records, node) if name != service.full_name]
    if service.exclusive:
        return bool(others)
    return any(services[name].exclusive for name in others if name in services)


def best_target_node(
    candidates: Sequence[tuple[int, str]],
    owner: int,
    service: Service,
    domain: FailoverDomain | None,
    records: Mapping[str, ServiceRecord],
    services: Mapping[str, Service],
    names: Mapping[int, str],
) -> int:
    """best_target_node: the highest score wins, ties go to the later candidate; nothing >= GOOD -> owner.

    ``candidates`` are (nodeid, name) of online members in list order; the owner itself never competes.
    """
    online = [name for _, name in candidates]
    record = records.get(service.full_name)
    owner_name = names.get(record.owner) if record and record.owner else None
    best, best_score = owner, 0
    for nodeid, name in candidates:
        if nodeid == owner:
            continue
        score = int(node_should_start(name, online, domain, record, owner_name))
        if score == Score.ILLEGAL:
            continue
        if exclusive_conflict(service, nodeid, records, services):
            continue
        if service.exclusive:
            score += 2
        if score >= best_score:  # >=: ties go to the later node, as rgmanager before the shuffle
            best, best_score = nodeid, score
    return best
