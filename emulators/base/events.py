"""Device ground truth as an event stream: one JSON line per event, appended to a file (docs/events.md).

``{"t": <unix time, float>, "src": "<device name>", "kind": "...", ...}``. Models and front ends emit
through an :class:`EventSink` they are given (the null sink unless ``--events FILE`` / ``events = "FILE"``
asks for a file); only :class:`EventLog` writes. Each line goes out in one ``write`` on a file opened with
O_APPEND, so several processes (the BMC fleet's workers, a lab's devices) can share one file without
interleaving, and a reader sees whole lines as they happen (no buffering).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any, Protocol


class EventSink(Protocol):
    def emit(self, kind: str, **fields: Any) -> None: ...


class NoEvents:
    """The sink of a device nobody records."""

    def emit(self, kind: str, **fields: Any) -> None:
        pass

    def close(self) -> None:
        pass


NO_EVENTS = NoEvents()


class EventLog:
    """Appends events of device ``src`` to ``path``."""

    def __init__(self, path: str, src: str) -> None:
        self.path = path
        self.src = src
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def emit(self, kind: str, **fields: Any) -> None:
        if self._fd is None:
            return
        line = json.dumps({"t": time.time(), "src": self.src, "kind": kind, **fields}) + "\n"
        os.write(self._fd, line.encode())

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def open_events(path: str | None, src: str) -> EventLog | NoEvents:
    """The event log asked for (``path``), or the null sink."""
    return EventLog(path, src) if path else NO_EVENTS
