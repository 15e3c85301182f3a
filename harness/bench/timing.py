"""Shared benchmark helpers: time whole commands as separate processes, report medians and ratios."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    label: str
    samples: tuple[float, ...]  # seconds
    failures: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def p(self, q: float) -> float:
        """The q-quantile (0..1) of the samples, nearest rank."""
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def warm_bytecode() -> None:
    """Compile our packages once, so runs measure a normal install rather than byte-compilation (this
    matters where PYTHONDONTWRITEBYTECODE is set: nothing would ever be cached)."""
    import compileall
    import importlib
    from pathlib import Path

    for package in ("fence_agents", "emulators", "harness", "cluster"):
        compileall.compile_dir(str(Path(importlib.import_module(package).__file__ or "").parent), quiet=1)


def time_command(
    label: str,
    argv: Sequence[str],
    runs: int,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
    ok: Callable[[subprocess.CompletedProcess[str]], bool] | None = None,
    before_each: Callable[[], None] | None = None,
) -> Timing:
    """Run ``argv`` ``runs`` times; wall time of each run. ``ok`` decides success (default: exit 0)."""
    samples: list[float] = []
    failures = 0
    full_env = {**os.environ, "LANG": "C", "LC_ALL": "C", **(env or {})}
    for _ in range(runs):
        if before_each is not None:
            before_each()
        start = time.perf_counter()
        proc = subprocess.run(
            list(argv),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            check=False,
        )
        elapsed = time.perf_counter() - start
        good = ok(proc) if ok is not None else proc.returncode == 0
        if good:
            samples.append(elapsed)
        else:
            failures += 1
    return Timing(label, tuple(samples), failures)


def ratio_row(what: str, ours: Timing, stock: Timing) -> str:
    r = ours.median / stock.median if stock.median else float("nan")
    fails = ""
    if ours.failures or stock.failures:
        fails = f"  (failures: ours {ours.failures}, stock {stock.failures})"
    return f"{what:<14} {ours.median * 1000:9.1f} ms {stock.median * 1000:9.1f} ms   {r:5.2f}x{fails}"


def ratio_header(ours: str, stock: str) -> str:
    return f"{'action':<14} {ours:>12} {stock:>12}   ratio (ours/stock, median)"
