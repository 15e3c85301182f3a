"""Telling a starter that a device is up: the ready line, an optional ready file and pid file.

A shell script cannot read one line from a pipe and let the device run on (``fencelab emulate nps | head -1``
waits for the device to exit), so the runner can also write the ready line to ``--ready-file`` (atomically:
a reader sees the whole JSON line or no file) and its pid to ``--pid-file``. Both are removed at a clean stop.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader never sees a part of it (temporary file + rename)."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_announce_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ready-file", metavar="FILE",
        help="also write the JSON ready line to FILE (atomically) once the device is up; removed at exit",
    )  # fmt: skip
    parser.add_argument("--pid-file", metavar="FILE", help="write the device's pid to FILE; removed at exit")


class Announcement:
    """The ready line on stdout, plus the ready and pid files a caller asked for; ``withdraw`` removes the
    files again (only those this process wrote)."""

    def __init__(self, ready_file: str | None = None, pid_file: str | None = None) -> None:
        self.ready_file = ready_file
        self.pid_file = pid_file
        self._written: list[str] = []

    def check(self) -> str | None:
        """Why the files cannot be written (a missing directory), before the device starts; else None."""
        for flag, path in (("--ready-file", self.ready_file), ("--pid-file", self.pid_file)):
            if path is not None and not Path(path).resolve().parent.is_dir():
                return f"{flag} {path}: no such directory"
        return None

    def announce(self, info: Mapping[str, Any]) -> None:
        line = json.dumps(dict(info)) + "\n"
        if self.pid_file is not None:
            write_atomically(self.pid_file, f"{os.getpid()}\n")
            self._written.append(self.pid_file)
        if self.ready_file is not None:
            write_atomically(self.ready_file, line)
            self._written.append(self.ready_file)
        try:
            sys.stdout.write(line)
            sys.stdout.flush()
        except BrokenPipeError:  # nobody reads stdout (the files are the announcement): carry on
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)

    def withdraw(self) -> None:
        for path in self._written:
            Path(path).unlink(missing_ok=True)
        self._written.clear()
