"""``fencelab bench cluster --nodes N``: an N-node cluster as a user runs it, on this machine.

N node daemons started at once with ``cman_tool join`` (token 1000 ms unless told, cman's default fence
delays: post_join_delay 6 s, post_fail_delay 0), one emulated NPS with N plugs. Measured, per run:
- form: seconds from the last daemon starting (its pid file) until every node has installed the full
  view (the latest join time each node's roster recorded);
- CPU: all daemons together over a steady window, in % of one core (utime + stime from /proc);
- startup fenced: fence operations against nodes nobody killed, on any node, after post_join_delay;
- death -> fence: SIGKILL of one node until a survivor records the fence's success;
- leave: parallel ``cman_tool leave`` of every survivor until every daemon has exited.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.lab import ClusterLab, wait_for

CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_DELAYS = {"post_join_delay": "6", "post_fail_delay": "0"}  # cman's defaults


class JoinedLab(ClusterLab):
    """Nodes started with ``cman_tool join``, not by their plugs: the plugs only keep state, so fencing a
    node that is up records the fence but starts no second daemon beside it."""

    def _nps_toml(self) -> str:
        lines = super()._nps_toml().splitlines()
        return "\n".join(line for line in lines if not line.startswith("wire = ")) + "\n"


class AddressNamedLab(JoinedLab):
    """Node names that are their addresses (``<clusternode name="127.0.0.7">``)."""

    def name(self, nodeid: int) -> str:
        return self.address(nodeid)


@dataclass
class ScaleRun:
    nodes: int
    start_spread_s: float  # first to last daemon start (CPU-bound on a small machine)
    start_cpu_s: float  # CPU of all daemons from their start until the cluster formed
    form_s: float
    cpu_percent: float
    startup_fenced: int
    death_to_fence_s: float
    leave_s: float


def cman_tool(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "cman_tool"), *args]


def cpu_ticks(pids: Sequence[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total


def join_all(lab: ClusterLab, order: list[int], timeout: float) -> None:
    procs = [
        subprocess.Popen(
            cman_tool("join", "-c", str(lab.conf_path), "-n", lab.name(n), "-d", str(lab.run_dir(n)))
            + ["-t", str(timeout)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in order
    ]
    for n, proc in zip(order, procs, strict=True):
        _, err = proc.communicate(timeout=timeout + 30)
        if proc.returncode != 0:
            raise RuntimeError(f"cman_tool join of {lab.name(n)} failed: {err.strip()}")


def formed_at(lab: ClusterLab, ids: Sequence[int]) -> float:
    """When the last node installed the view with all of ``ids``, from the nodes' own rosters."""
    latest = 0.0
    for n in ids:
        records = [r for r in lab.ask(n, "nodes")["nodes"] if r["id"] in ids]
        latest = max(latest, max(r["joined"] or 0.0 for r in records))
    return latest


def fenced_victims(lab: ClusterLab, ids: Sequence[int]) -> set[str]:
    """Nodes any daemon ran a fence agent against (skips and overrides do not count)."""
    return {
        r["victim"] for n in ids for r in lab.history(n) if r["result"] in ("success", "error", "timeout")
    }


def measure(root: Path, nodes: int, token_ms: int, order: str, names: str, cpu_window: float) -> ScaleRun:
    lab_type = AddressNamedLab if names == "addresses" else JoinedLab
    lab = lab_type(root, nodes=nodes, token_ms=token_ms, fence_daemon=DEFAULT_DELAYS)
    ids = lab.ids()
    start_order = {"up": ids, "down": ids[::-1], "random": random.sample(ids, len(ids))}[order]
    lab.start(power_on=False)
    try:
        join_all(lab, start_order, timeout=60)
        pidfiles = [lab.run_dir(n) / "node.pid" for n in ids]  # join answers just before the pid file
        wait_for("every pid file", lambda: all(p.exists() for p in pidfiles), 30)
        starts = [p.stat().st_mtime for p in pidfiles]
        wait_for("all members on every node", lambda: all(lab.members(n) == ids for n in ids), 120)
        form = formed_at(lab, ids) - max(starts)
        pids = [p for p in (lab.pid(n) for n in ids) if p]
        start_cpu = cpu_ticks(pids) / CLK_TCK
        time.sleep(int(DEFAULT_DELAYS["post_join_delay"]) + 1)  # post_join_delay runs out (a bench: no event)
        before = cpu_ticks(pids)
        time.sleep(cpu_window)
        cpu = (cpu_ticks(pids) - before) / CLK_TCK / cpu_window * 100
        startup_fenced = len(fenced_victims(lab, ids))
        victim, survivors = ids[-1], ids[:-1]
        victim_pid = lab.pid(victim)
        assert victim_pid is not None
        died = time.time()
        os.kill(victim_pid, signal.SIGKILL)
        done = wait_for(
            f"{lab.name(victim)} fenced",
            lambda: [r for r in lab.history(survivors[0], lab.name(victim)) if r["result"] == "success"],
            token_ms / 1000 * 10 + 30,
        )
        death_to_fence = done[0]["time"] - died
        started = time.monotonic()
        leaves = [subprocess.Popen(cman_tool("leave", "-d", str(lab.run_dir(n)))) for n in survivors]
        for proc in leaves:
            proc.wait(timeout=120)
        wait_for("every daemon gone", lambda: not any(lab.pid(n) for n in survivors), 120)
        leave = time.monotonic() - started
    finally:
        lab.stop()
    spread = max(starts) - min(starts)
    return ScaleRun(nodes, spread, start_cpu, form, cpu, startup_fenced, death_to_fence, leave)


def report(runs: Sequence[ScaleRun], load: str) -> None:
    print(f"load average before: {load}")
    heads = ("starts over s", "start CPU s", "form s", "CPU % of a core", "startup fenced", "death->fence s")
    widths = (13, 11, 7, 16, 15, 15)
    print(f"{'N':>3} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True)) + "  leave s")
    for r in runs:
        print(
            f"{r.nodes:3d} {r.start_spread_s:13.2f} {r.start_cpu_s:11.1f} "
            f"{r.form_s:7.2f} {r.cpu_percent:16.1f} {r.startup_fenced:15d} "
            f"{r.death_to_fence_s:15.2f} {r.leave_s:8.2f}"
        )
