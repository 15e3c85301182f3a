"""A timeline a person reads at a glance: one line per event, time since start, who, what."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Event:
    at: float  # seconds since the timeline started
    who: str
    what: str


class Timeline:
    """Thread-safe; prints each event as it happens and keeps them all."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.start = time.monotonic()
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.start

    def add(self, who: str, what: str) -> Event:
        with self._lock:
            event = Event(self.now(), who, what)
            self.events.append(event)
            print(f"  {event.at:7.3f}s  {who:<13} {what}", file=self.out, flush=True)
            return event

    def section(self, title: str) -> None:
        with self._lock:
            print(f"\n== {title}", file=self.out, flush=True)
