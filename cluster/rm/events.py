"""What the resource manager core is fed (events) and what it asks its I/O layer to do (effects).

The async layer (a node-daemon service) is thin: it turns membership views, fenced's reports, agent
process exits, clusvcadm requests, peers' messages and a timer into these events, calls
``RmCore.handle(event, now)`` and carries out the effects it gets back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .conf_model import TreeNode
from .state import RgError, ServiceRecord

# -- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewChange:
    """An installed membership: the nodes running the resource manager in this node's quorate view."""

    generation: int
    members: frozenset[int]
    quorate: bool


@dataclass(frozen=True)
class NodeFenced:
    """fenced reports ``nodeid`` fenced (power cut, port disabled) while view ``generation`` was current.

    A fence at generation G covers every failure seen at or before G: "fenced since its failure"."""

    nodeid: int
    generation: int


@dataclass(frozen=True)
class AgentDone:
    call_id: int
    rc: int | None  # None: killed at its deadline (or could not run)


class UserOp(enum.Enum):
    ENABLE = "enable"  # -e [-m N] [-F]
    DISABLE = "disable"  # -d
    STOP = "stop"  # -s
    RESTART = "restart"  # -R
    RELOCATE = "relocate"  # -r [-m N]
    FREEZE = "freeze"  # -Z
    UNFREEZE = "unfreeze"  # -U


@dataclass(frozen=True)
class UserRequest:
    request_id: int
    op: UserOp
    service: str  # "service:www" (or "www")
    origin: int  # the node clusvcadm asked; replies go there
    target: int | None = None  # -m / -n
    by_domain: bool = False  # -F


@dataclass(frozen=True)
class RecordUpdate:
    """A proposed state record, delivered to every member (the proposer too) in one order per view."""

    record: ServiceRecord
    sender: int


@dataclass(frozen=True)
class Order:
    """The decider asks ``to`` to act on a service (start there, stop for a relocation, ...)."""

    op: UserOp
    service: str
    sender: int


@dataclass(frozen=True)
class StateSync:
    """After a view change every member sends what it knows; the decider acts once it has everyone's.

    ``history``: the sender has been quorate without a break since it learnt the complete state, so its
    records say who may hold what. ``failed_at``/``fenced``: (nodeid, generation) facts it holds.
    """

    generation: int
    sender: int
    records: tuple[ServiceRecord, ...]
    history: bool = False
    failed_at: tuple[tuple[int, int], ...] = ()
    fenced: tuple[tuple[int, int], ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class Tick:
    """Time passed (status checks are due by the clock given to ``handle``)."""


@dataclass(frozen=True)
class Lockdown:
    """``clusvcadm -l`` / ``-u``: no service starts anywhere while locked (rgmanager's ``rg_lockdown``, a
    cluster-wide key); delivered to every member in the same order as the records."""

    locked: bool


Event = ViewChange | NodeFenced | AgentDone | UserRequest | RecordUpdate | Order | StateSync | Tick | Lockdown

# -- outputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunAgent:
    """Run ``node``'s agent with ``op``: OCF environment from ``node.attrs`` (see :mod:`cluster.rm.ocf`)."""

    call_id: int
    service: str
    node: TreeNode
    op: str
    depth: int = 0
    timeout: int | None = None  # kill at this deadline (set only with __enforce_timeouts="1")
    meta_timeout: int | None = None  # the metadata timeout, for OCF_RESKEY_RGMANAGER_meta_timeout


@dataclass(frozen=True)
class Broadcast:
    """Propose ``record`` to every member; it takes effect when it comes back as a RecordUpdate."""

    record: ServiceRecord


@dataclass(frozen=True)
class SendState:
    """Send this to every member as a :class:`StateSync` (same fields, plus the sender)."""

    generation: int
    records: tuple[ServiceRecord, ...]
    history: bool = False
    failed_at: tuple[tuple[int, int], ...] = ()
    fenced: tuple[tuple[int, int], ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class Send:
    to: int
    message: UserRequest | Order


@dataclass(frozen=True)
class Reply:
    origin: int
    request_id: int
    code: RgError
    owner: int = 0


@dataclass(frozen=True)
class Log:
    level: str  # info | notice | warning | error
    text: str


Effect = RunAgent | Broadcast | SendState | Send | Reply | Log
