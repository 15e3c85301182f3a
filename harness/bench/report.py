"""One report for every bench: the rows on stdout (with each goal's verdict) and, with ``--write``, the same
figures as a table in docs/BENCHMARKS.md, headed by the command, the time, the load and the install used."""

from __future__ import annotations

from collections.abc import Sequence

from harness.bench.install import Install, command_line
from harness.bench.timing import (
    Paired,
    machine_note,
    markdown_rows,
    pair_row,
    ratio_header,
    verdict,
    write_section,
)


def report(
    what: str,
    argv: Sequence[str],
    install: Install,
    title: str,
    rows: Sequence[tuple[str, Paired, float | None]],
    labels: tuple[str, str] = ("ours", "stock"),
    before: Sequence[str] = (),
    after: Sequence[str] = (),
    first: str = "action",
    write: bool = False,
) -> int:
    """Print and (``write``) record the figures; 1 when a run failed or a goal was missed, else 0.
    ``before``/``after`` are further lines (already judged by the caller) around the table."""
    status = 0
    print(title)
    for line in before:
        print(line)
    print(ratio_header(*labels) + "   goal")
    for name, pair, goal in rows:
        status |= 1 if pair.failures or (goal is not None and not pair.ratio <= goal) else 0
        print(pair_row(name, pair) + "   " + verdict(pair.ratio, goal))
    for line in after:
        print(line)
    if write:
        head = f"`{command_line(what, argv)}` — {machine_note()}; agents from {install.how}."
        table = markdown_rows(rows, *labels, first=first)
        lines = [head, "", *before, *([""] if before else []), *table, *([""] if after else []), *after]
        write_section(what, lines)
    return status
