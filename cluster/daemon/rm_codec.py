"""The resource manager's messages as JSON: records, state syncs, user requests and orders between nodes."""

from __future__ import annotations

from typing import Any

from cluster.rm.events import Order, StateSync, UserOp, UserRequest
from cluster.rm.state import Flag, ServiceRecord, State


def record_to_json(r: ServiceRecord) -> dict[str, Any]:
    return {
        "name": r.name,
        "owner": r.owner,
        "last_owner": r.last_owner,
        "state": int(r.state),
        "restarts": r.restarts,
        "transition": r.transition,
        "flags": int(r.flags),
        "version": r.version,
    }


def record_from_json(d: dict[str, Any]) -> ServiceRecord:
    return ServiceRecord(
        name=str(d["name"]),
        owner=int(d["owner"]),
        last_owner=int(d["last_owner"]),
        state=State(int(d["state"])),
        restarts=int(d["restarts"]),
        transition=int(d["transition"]),
        flags=Flag(int(d["flags"])),
        version=int(d["version"]),
    )


def _pairs(items: Any) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in items)


def sync_to_json(s: StateSync) -> dict[str, Any]:
    return {
        "generation": s.generation,
        "records": [record_to_json(r) for r in s.records],
        "history": s.history,
        "failed_at": [list(p) for p in s.failed_at],
        "fenced": [list(p) for p in s.fenced],
        "locked": s.locked,
    }


def sync_from_json(d: dict[str, Any], sender: int) -> StateSync:
    return StateSync(
        int(d["generation"]),
        sender,
        tuple(record_from_json(r) for r in d["records"]),
        bool(d["history"]),
        _pairs(d["failed_at"]),
        _pairs(d["fenced"]),
        bool(d.get("locked")),
    )


def message_to_json(m: UserRequest | Order) -> dict[str, Any]:
    if isinstance(m, UserRequest):
        return {
            "kind": "request",
            "request_id": m.request_id,
            "op": m.op.value,
            "service": m.service,
            "origin": m.origin,
            "target": m.target,
            "by_domain": m.by_domain,
        }
    return {"kind": "order", "op": m.op.value, "service": m.service, "sender": m.sender}


def message_from_json(d: dict[str, Any]) -> UserRequest | Order:
    if d["kind"] == "request":
        target = d.get("target")
        return UserRequest(
            int(d["request_id"]),
            UserOp(d["op"]),
            str(d["service"]),
            int(d["origin"]),
            None if target is None else int(target),
            bool(d.get("by_domain")),
        )
    return Order(UserOp(d["op"]), str(d["service"]), int(d["sender"]))
