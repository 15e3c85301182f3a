"""When each queued packet may go on: a fixed delay plus uniform jitter, released in arrival order (pure).

In order because a cluster's token protocol is sensitive to reordering that a real link between two
nodes rarely shows: a packet never overtakes the one queued before it, so a jittered packet that would go
earlier waits for its predecessor (netem reorders instead; documented in docs/bench.md).
"""

from __future__ import annotations

import random
from collections import deque


class DelayLine:
    def __init__(self, delay: float, jitter: float = 0.0, seed: int | None = None) -> None:
        if delay < 0 or jitter < 0:
            raise ValueError("delay and jitter are seconds >= 0")
        self.delay, self.jitter = delay, jitter
        self._rng = random.Random(seed)
        self._held: deque[tuple[float, int]] = deque()  # (release time, packet id), release times ascending
        self._last = float("-inf")

    def __len__(self) -> int:
        return len(self._held)

    def arrive(self, packet_id: int, now: float) -> float:
        """Hold a packet that arrived at `now`; returns when it will be released."""
        wanted = now + self.delay
        if self.jitter:
            wanted += self._rng.uniform(-self.jitter, self.jitter)
        release = max(wanted, now, self._last)
        self._last = release
        self._held.append((release, packet_id))
        return release

    def due(self, now: float) -> int | None:
        """The highest id whose time has come (with every earlier one), or None; they leave the line."""
        last = None
        while self._held and self._held[0][0] <= now:
            last = self._held.popleft()[1]
        return last

    def next_release(self) -> float | None:
        return self._held[0][0] if self._held else None

    def drain(self) -> int | None:
        """Release everything at once (the delayer is stopping): the highest id held, or None."""
        last = self._held[-1][1] if self._held else None
        self._held.clear()
        return last
