"""The fence history: every agent call, override and skip, per victim node."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FenceRecord:
    """One line of history. ``result``: success, error, timeout, missing, override, skipped."""

    time: float
    victim: str
    method: str
    device: str
    result: str
    duration: float
    detail: str = ""
    by: str = ""
    incarnation: int | None = None  # the victim's life the fence covers (None: not known to the fencer)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FenceRecord:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


class History:
    """Records kept in order, per victim; bounded so a victim that fails forever cannot eat memory."""

    def __init__(self, per_node: int = 200) -> None:
        self._per_node = per_node
        self._records: dict[str, list[FenceRecord]] = defaultdict(list)

    def add(self, record: FenceRecord) -> None:
        """Idempotent: a record a peer repeats (its channel sends every message a few times) is kept once."""
        records = self._records[record.victim]
        if record in records:
            return
        records.append(record)
        if len(records) > self._per_node:
            del records[0]

    def for_node(self, name: str) -> list[FenceRecord]:
        return list(self._records.get(name, ()))

    def all(self) -> list[FenceRecord]:
        merged = [r for records in self._records.values() for r in records]
        return sorted(merged, key=lambda r: r.time)
