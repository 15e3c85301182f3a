"""The node daemon's event stream: one JSON object per line, appended to ``RUN_DIR/events.jsonl``.

Schema in docs/events.md: ``{"t": unix time, "src": node name, "kind": ..., ...}``. Each line is written
with one ``write`` on an ``O_APPEND`` descriptor, so a reader never sees half a line from a live daemon
and lines of a restarted daemon follow its previous life's.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

EVENTS_NAME = "events.jsonl"


class EventLog:
    def __init__(self, run_dir: Path, src: str) -> None:
        self.path = run_dir / EVENTS_NAME
        self._src = src
        self._fd: int | None = os.open(
            self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644
        )

    def emit(self, kind: str, fields: dict[str, Any]) -> None:
        if self._fd is None:
            return
        line = json.dumps({"t": time.time(), "src": self._src, "kind": kind, **fields}, separators=(",", ":"))
        try:
            os.write(self._fd, line.encode() + b"\n")
        except OSError:
            pass  # a full disk must not stop fencing; the logs say the rest

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
