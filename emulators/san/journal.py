"""The array's append-only journal: every accepted write, and every switch port change, in one timeline.

One JSON object per line, flushed as written, so a test (or a person with ``tail -f``) can prove that no
write from a fenced host was accepted between its port going down and coming back up:

    {"seq": 7, "time": 17640.1, "event": "write", "host": "n1", "lun": "lun0", "offset": 0, "length": 4096}
    {"seq": 8, "time": 17640.2, "event": "port", "port": 1, "host": "n1", "state": "disabled", "via": "snmp"}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

Clock = Callable[[], float]


class Journal:
    """``on_write`` hears each accepted write's entry (the device's event stream records writes from it)."""

    def __init__(
        self,
        clock: Clock,
        path: str | Path | None = None,
        on_write: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.clock = clock
        self.on_write = on_write
        self.path = Path(path) if path is not None else None
        self.entries: list[dict[str, Any]] = []
        self._file: IO[str] | None = open(self.path, "a", encoding="utf-8") if self.path else None  # noqa: SIM115

    def _append(self, entry: dict[str, Any]) -> dict[str, Any]:
        entry = {"seq": len(self.entries) + 1, "time": round(self.clock(), 6), **entry}
        self.entries.append(entry)
        if self._file is not None:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()
        return entry

    def write(self, host: str, lun: str, offset: int, length: int) -> dict[str, Any]:
        entry = self._append({"event": "write", "host": host, "lun": lun, "offset": offset, "length": length})
        if self.on_write is not None:
            self.on_write(entry)
        return entry

    def port(self, port: int, host: str | None, state: str, via: str) -> dict[str, Any]:
        return self._append({"event": "port", "port": port, "host": host, "state": state, "via": via})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_journal(path: str | Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def writes_while_fenced(entries: Iterable[dict[str, Any]], host: str) -> Iterator[dict[str, Any]]:
    """Writes from ``host`` accepted while its port was disabled (must be none)."""
    fenced = False
    for entry in entries:
        if entry["event"] == "port" and entry.get("host") == host:
            fenced = entry["state"] == "disabled"
        elif entry["event"] == "write" and entry["host"] == host and fenced:
            yield entry
