"""Shared by the runtime tools: choose the node (``-d RUN_DIR``, ``$FENCELAB_RUN_DIR`` or the default, see
:mod:`cluster.daemon.rundir`), talk to it, and turn failures into one-line messages with cman's exit
code (1)."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, NoReturn

from cluster.daemon.control import ControlError, NotRunning, request
from cluster.daemon.rundir import RUN_DIR_ENV, RunDir, pick_run_dir
from cluster.text_escape import one_line

EXIT_FAIL = 1
EXIT_USAGE = 2


class ToolArgumentParser(argparse.ArgumentParser):
    """argparse that prints a one-line error and exits 2 (never a traceback)."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {one_line(message)}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def seconds(text: str) -> float:
    """argparse type of a wait: a finite number of seconds above 0 (a socket rejects NaN and negatives)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds above 0")
    return value


def add_run_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-d",
        "--run-dir",
        dest="run_dir",
        help=f"the node's run directory (default ${RUN_DIR_ENV}, else one per host)",
    )


def no_node_hint(run_dir: RunDir) -> str:
    """Appended to 'is it running?' when nobody chose the directory: how to choose one."""
    if run_dir.chosen:
        return ""
    return f" (no node chosen: use -d RUN_DIR or set {RUN_DIR_ENV}; default {run_dir.path})"


def ask(
    prog: str, run_dir_option: str | None, cmd: str, timeout: float = 10.0, **args: Any
) -> dict[str, Any]:
    """One request to the chosen node; on failure print ``prog: message`` and exit 1."""
    run_dir = pick_run_dir(run_dir_option)
    try:
        return request(run_dir.path, cmd, timeout=timeout, **args)
    except NotRunning as err:
        fail(prog, str(err) + no_node_hint(run_dir))
    except ControlError as err:
        fail(prog, str(err))


def fail(prog: str, message: str) -> NoReturn:
    print(f"{prog}: {one_line(message)}", file=sys.stderr)
    raise SystemExit(EXIT_FAIL)
