"""One history of a lab run: every process's event stream merged by time (schema: docs/events.md).

Pure: lines in, events out. ``Event`` keeps the raw fields; ``History`` adds the lab's wiring (which device
outlet, chassis or switch port belongs to which node, and node names for node ids), so the invariants can
ask what the hardware did to a node without knowing the lab.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    t: float
    src: str
    kind: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0  # position in the merged history (ties keep their order within a source)

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    def __str__(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.fields.items())
        return f"#{self.seq} t={self.t:.3f} {self.src} {self.kind} {extra}".rstrip()


@dataclass(frozen=True)
class Feed:
    """A device endpoint that powers or isolates a node: (device src, outlet/port), kind power|fabric."""

    src: str
    point: str  # outlet number, "chassis" for a BMC, switch port number
    kind: str = "power"


@dataclass
class Wiring:
    names: dict[int, str] = field(default_factory=dict)  # node id -> node name
    feeds: dict[str, list[Feed]] = field(default_factory=dict)  # node name -> its power/fabric feeds

    def node_of(self, src: str, point: str) -> str | None:
        for node, feeds in self.feeds.items():
            if any(f.src == src and f.point == point for f in feeds):
                return node
        return None


def parse_lines(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """JSON objects of an event file; a last line cut short (a writer killed mid-write) is skipped."""
    for line in lines:
        if not line.endswith("\n"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and "t" in obj and "kind" in obj:
            yield obj


def merge(streams: Iterable[Iterable[Mapping[str, Any]]]) -> list[Event]:
    """All streams in one time order (stable within a stream)."""
    raw: list[tuple[float, int, int, Mapping[str, Any]]] = []
    for n, stream in enumerate(streams):
        for i, obj in enumerate(stream):
            raw.append((float(obj["t"]), n, i, obj))
    raw.sort(key=lambda r: (r[0], r[1], r[2]))
    events = []
    for seq, (t, _, _, obj) in enumerate(raw):
        fields = {k: v for k, v in obj.items() if k not in ("t", "src", "kind")}
        events.append(Event(t, str(obj.get("src", "")), str(obj["kind"]), fields, seq))
    return events


@dataclass
class History:
    events: list[Event]
    wiring: Wiring = field(default_factory=Wiring)

    def of(self, *kinds: str) -> list[Event]:
        return [e for e in self.events if e.kind in kinds]

    def name(self, node: Any) -> str:
        """A node's name from its id or name."""
        if isinstance(node, int) or (isinstance(node, str) and node.isdigit()):
            return self.wiring.names.get(int(node), str(node))
        return str(node)

    def power_events(self) -> list[tuple[Event, str, bool, str]]:
        """(event, node, on, kind) for each device event that powers/isolates a wired node."""
        out = []
        for e in self.events:
            if e.kind == "outlet":
                point, on = str(e.get("outlet")), bool(e.get("on"))
            elif e.kind == "chassis":
                point, on = "chassis", bool(e.get("on"))
            elif e.kind == "port":
                point, on = str(e.get("port")), bool(e.get("enabled"))
            else:
                continue
            node = self.wiring.node_of(e.src, point)
            if node is None and e.kind == "port" and e.get("host"):
                node = str(e.get("host"))
            if node is not None:
                out.append((e, node, on, "fabric" if e.kind == "port" else "power"))
        return out

    def to_json(self) -> str:
        rows = [{"t": e.t, "src": e.src, "kind": e.kind, **e.fields} for e in self.events]
        return json.dumps(
            {
                "wiring": {
                    "names": self.wiring.names,
                    "feeds": {
                        n: [{"src": f.src, "point": f.point, "kind": f.kind} for f in fs]
                        for n, fs in self.wiring.feeds.items()
                    },
                },
                "events": rows,
            },
            indent=1,
        )
