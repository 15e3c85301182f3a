"""Waiting on a state with a deadline: the one polling helper of the tests, the lab and the benches.

Polling a cheap check every few milliseconds until it holds is not a sleep used as synchronisation: it
returns as soon as the state is reached and fails, naming what it waited for, when the deadline passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_for(
    what: str,
    check: Callable[[], Any],
    timeout: float,
    interval: float = 0.02,
    retry_on: tuple[type[Exception], ...] = (),
) -> Any:
    """Poll ``check`` until it returns something truthy and return that; exceptions in ``retry_on`` count
    as "not yet". AssertionError naming ``what`` (and the last result) at the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = check()
        except retry_on as err:
            last = err
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")
        time.sleep(interval)
