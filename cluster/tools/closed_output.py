"""When the reader of a tool's output goes away early (`cman_tool nodes | head -1`): exit 1, no traceback."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import ParamSpec

EXIT_OUTPUT_CLOSED = 1
P = ParamSpec("P")


def silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's final flush does not report the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a descriptor (captured in a test): nothing to redirect
        pass


def quiet_when_output_closed(main: Callable[P, int]) -> Callable[P, int]:
    """Wrap a tool's ``main``: a BrokenPipeError on stdout ends the run quietly with exit status 1."""

    @functools.wraps(main)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> int:
        try:
            return main(*args, **kwargs)
        except BrokenPipeError:
            silence_stdout()
            return EXIT_OUTPUT_CLOSED

    return guarded
