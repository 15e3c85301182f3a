"""State every part of the core shares: view, fence facts, replicated records, and the safety gate.

Who writes a record (so that there is one decision per service at a time):
- the **owner** writes the records of a service it holds (starting, started, stopping, recovery);
- the **decider** (the lowest node id of the quorate view) writes the records nobody holds: takeover
  after the owner was fenced, disable, freeze of a stopped service, and asks nodes (``Order``) to act;
- a node **starts** only after its own ``starting`` proposal came back applied: records carry a version,
  a proposal applies only when its version is newer than the applied one, so of two racing proposals
  (e.g. two orders from an old and a new decider) exactly one wins, the same one on every member.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .conf_model import RmConfig, Service
from .events import Broadcast, Effect, Log, Order
from .state import Flag, ServiceRecord, State


@dataclass
class CoreBase:
    nodeid: int
    conf: RmConfig
    names: dict[int, str]  # nodeid -> cluster node name
    generation: int = -1
    members: frozenset[int] = frozenset()
    quorate: bool = False
    records: dict[str, ServiceRecord] = field(default_factory=dict)
    failed_at: dict[int, int] = field(default_factory=dict)  # nodeid -> generation it was seen gone
    fenced: dict[int, int] = field(default_factory=dict)  # nodeid -> newest failure generation fenced
    proposals: dict[str, ServiceRecord] = field(default_factory=dict)  # own STARTING proposals in flight
    inflight: dict[str, int] = field(default_factory=dict)  # newest version we proposed, not yet passed
    history: bool = False  # our records are complete: who may hold what is in them
    formed: int | None = None  # first quorate generation since we lost (or never had) history
    locked: bool = False  # clusvcadm -l: no service starts anywhere
    out: list[Effect] = field(default_factory=list)
    local_orders: list[Order] = field(default_factory=list)  # the decider's orders to itself
    now: float = 0.0

    def __post_init__(self) -> None:
        self.services: dict[str, Service] = {s.full_name: s for s in self.conf.services}
        for name in self.services:
            self.records.setdefault(name, ServiceRecord(name))

    # -- effects ----------------------------------------------------------------------------------
    def log(self, level: str, text: str) -> None:
        self.out.append(Log(level, text))

    def propose(self, name: str, **changes: object) -> ServiceRecord:
        """Propose a new version of a record; ``transition`` is stamped when the state changes."""
        current = self.records[name]
        version = max(current.version, self.inflight.get(name, 0)) + 1  # chain on our own proposals
        self.inflight[name] = version
        if "state" in changes and changes["state"] != current.state:
            changes["transition"] = int(self.now)
        record = replace(current, version=version, **changes)  # type: ignore[arg-type]
        self.out.append(Broadcast(record))
        return record

    # -- facts ------------------------------------------------------------------------------------
    @property
    def decider(self) -> int:
        return min(self.members) if self.quorate and self.members else 0

    def online(self, nodeid: int) -> bool:
        return nodeid in self.members

    def fenced_since_failure(self, nodeid: int) -> bool:
        """The fence gate: a node out of the view may still run what it ran until fenced after it left."""
        if nodeid in self.members:
            return False
        return self.fenced.get(nodeid, -1) >= self.failed_at.get(nodeid, 0)

    def gone_safely(self, nodeid: int) -> bool:
        """Nobody (0), or a node out of the view and fenced since its failure."""
        return nodeid == 0 or self.fenced_since_failure(nodeid)

    def start_refusal(self, name: str, target: int) -> str | None:
        """The safety gate before any start of ``name`` on ``target``; ``None`` means it may start.

        Never while inquorate; never while another node may still hold the service; never on behalf of
        a failed last owner that has not been fenced since its failure.
        """
        record = self.records[name]
        if not self.quorate:
            return "inquorate"
        if self.locked:
            return "resource groups are locked (clusvcadm -u unlocks them)"
        if not self.history:
            return "the state of absent nodes is not known yet"
        if record.frozen:
            return "frozen"
        if record.held and record.owner != target:
            if self.online(record.owner):
                return f"running on {self.node_name(record.owner)}"
            return f"waiting for {self.node_name(record.owner)} to be fenced"
        last = record.last_owner
        if last and last != target and not self.online(last) and not self.fenced_since_failure(last):
            return f"waiting for {self.node_name(last)} to be fenced"
        if record.state in (State.FAILED, State.DISABLED) and record.owner not in (0, target):
            return f"{record.state.word} on {self.node_name(record.owner)}"
        return None

    def check_history(self) -> None:
        """Without anyone who remembers, every absent configured node must be fenced since we formed:
        it may hold anything (fenced fences all non-members when its domain forms, for this reason)."""
        if self.history or not self.quorate:
            return
        if self.formed is None:
            self.formed = self.generation
        formed = self.formed
        absent = [n for n in self.names if n not in self.members]
        waiting = [n for n in absent if self.fenced.get(n, -1) < formed]
        if not waiting:
            self.history = True
            self.log("notice", "Every absent node is fenced: the service states are known")

    def node_name(self, nodeid: int) -> str:
        return self.names.get(nodeid, f"node {nodeid}")

    def apply(self, record: ServiceRecord) -> bool:
        """Take a delivered record if it is newer; every member decides the same way."""
        current = self.records.get(record.name)
        if current is not None and record.version <= current.version:
            return False
        self.records[record.name] = record
        if self.inflight.get(record.name, 0) <= record.version:
            self.inflight.pop(record.name, None)
        return True

    def frozen_kept(self, record: ServiceRecord) -> Flag:
        return record.flags & Flag.FROZEN
