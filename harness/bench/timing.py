"""Shared benchmark helpers: time whole commands as separate processes, ours and stock alternately (A B A B),
report medians and paired ratios, write the figures into docs/BENCHMARKS.md."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    label: str
    samples: tuple[float, ...]  # seconds
    failures: int = 0
    cpu: tuple[float, ...] = ()  # CPU seconds (user + system) of each successful run's process

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

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
    """Compile our packages once (for benches that run the checkout rather than an install: where
    PYTHONDONTWRITEBYTECODE is set nothing would ever be cached)."""
    import compileall

    root = Path(__file__).resolve().parents[2]
    for package in ("fence_agents", "emulators", "harness", "cluster"):
        compileall.compile_dir(str(root / package), quiet=1)


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
    """Run ``argv`` ``runs`` times; wall time (and CPU time) of each run. ``ok`` decides success (default:
    exit 0)."""
    samples: list[float] = []
    cpu: list[float] = []
    failures = 0
    full_env = {**os.environ, "LANG": "C", "LC_ALL": "C", **(env or {})}
    for _ in range(runs):
        if before_each is not None:
            before_each()
        spent = _children_cpu()
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
            cpu.append(_children_cpu() - spent)
        else:
            failures += 1
    return Timing(label, tuple(samples), failures, tuple(cpu))


def process_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, all threads) a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by our finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Side:
    """One of the two commands of a paired measurement."""

    label: str
    argv: Sequence[str]
    stdin: str = ""
    ok: Callable[[subprocess.CompletedProcess[str]], bool] | None = None
    before_each: Callable[[], None] | None = None


@dataclass(frozen=True)
class Paired:
    """Ours and stock, run alternately; ``ratios`` holds ours/stock of each A B pair where both succeeded."""

    ours: Timing
    stock: Timing
    ratios: tuple[float, ...]
    cpu_ratios: tuple[float, ...] = ()  # the same for the CPU time of each pair

    @property
    def cpu_ratio(self) -> float:
        return statistics.median(self.cpu_ratios) if self.cpu_ratios else float("nan")

    @property
    def ratio(self) -> float:
        """The median of the paired ratios (robust against load drifting during the run)."""
        return statistics.median(self.ratios) if self.ratios else float("nan")

    @property
    def failures(self) -> int:
        return self.ours.failures + self.stock.failures


def time_pair(ours: Side, stock: Side, runs: int, warmup: int = 1) -> Paired:
    """A B A B ...: one run of ours, one of stock, ``runs`` times after ``warmup`` unmeasured pairs, so
    load on a shared machine hits both alike."""
    a: list[float] = []
    b: list[float] = []
    ratios: list[float] = []
    cpu_a: list[float] = []
    cpu_b: list[float] = []
    cpu_ratios: list[float] = []
    fails = [0, 0]
    for i in range(warmup + runs):
        one = [
            time_command(side.label, side.argv, 1, side.stdin, ok=side.ok, before_each=side.before_each)
            for side in (ours, stock)
        ]
        if i < warmup:
            continue
        fails[0] += one[0].failures
        fails[1] += one[1].failures
        a += one[0].samples
        b += one[1].samples
        cpu_a += one[0].cpu
        cpu_b += one[1].cpu
        if one[0].samples and one[1].samples:
            ratios.append(one[0].samples[0] / one[1].samples[0])
            if one[1].cpu[0] > 0:
                cpu_ratios.append(one[0].cpu[0] / one[1].cpu[0])
    return Paired(
        Timing(ours.label, tuple(a), fails[0], tuple(cpu_a)),
        Timing(stock.label, tuple(b), fails[1], tuple(cpu_b)),
        tuple(ratios),
        tuple(cpu_ratios),
    )


def ratio_header(ours: str, stock: str) -> str:
    return f"{'action':<14} {ours:>12} {stock:>12}   paired ratio (median of ours/stock)"


def pair_row(what: str, pair: Paired) -> str:
    fails = ""
    if pair.failures:
        fails = f"  (failures: ours {pair.ours.failures}, stock {pair.stock.failures})"
    ours, stock = pair.ours.median * 1000, pair.stock.median * 1000
    return f"{what:<14} {ours:9.1f} ms {stock:9.1f} ms   {pair.ratio:5.2f}x{fails}"


def ratio_row(what: str, ours: Timing, stock: Timing) -> str:
    """One row from two timings taken apart: the ratio of the medians (for benches not yet paired)."""
    r = ours.median / stock.median if stock.median else float("nan")
    fails = ""
    if ours.failures or stock.failures:
        fails = f"  (failures: ours {ours.failures}, stock {stock.failures})"
    return f"{what:<14} {ours.median * 1000:9.1f} ms {stock.median * 1000:9.1f} ms   {r:5.2f}x{fails}"


def verdict(value: float, goal: float | None) -> str:
    if goal is None:
        return ""
    return f"<= {goal:g}x: {'met' if value <= goal else '**missed**'}"


def markdown_rows(
    rows: Sequence[tuple[str, Paired, float | None]], ours: str, stock: str, first: str = "action"
) -> list[str]:
    """A table: action, both medians, the paired ratio and the goal's verdict."""
    out = [f"| {first} | {ours} | {stock} | paired ratio | goal |", "|---|---:|---:|---:|---|"]
    for what, pair, goal in rows:
        out.append(
            f"| {what} | {pair.ours.median * 1000:.1f} ms | {pair.stock.median * 1000:.1f} ms |"
            f" {pair.ratio:.2f}x | {verdict(pair.ratio, goal)} |"
        )
    return out


def machine_note() -> str:
    """When and under what load the figures were taken (the machine is shared)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average {load}"


DOCS = Path(__file__).resolve().parents[2] / "docs" / "BENCHMARKS.md"


def write_section(name: str, lines: Sequence[str], docs: Path = DOCS) -> None:
    """Replace the text between ``<!-- bench NAME -->`` and ``<!-- /bench NAME -->`` in BENCHMARKS.md
    (appended at the end when the markers are missing)."""
    begin, end = f"<!-- bench {name} -->", f"<!-- /bench {name} -->"
    text = docs.read_text()
    block = "\n".join([begin, *lines, end])
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    docs.write_text(text)
