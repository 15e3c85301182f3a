"""Thousands of random fault schedules (drops, delays, partitions, crashes, restarts, leaves, clock jumps).

Properties: once the network heals and stays stable for the bound, all live nodes agree on the
generation and member list, and stay agreed; at no time are two disjoint views both quorate, and no
generation carries two different overlapping views. A failure prints the seed; replay it with
``FENCELAB_SIM_SEED=<seed> pytest tests/cluster/test_membership_chaos.py``.
"""

from __future__ import annotations

import os
import time

from cluster.membership.chaos import chaos_run

SCHEDULES = int(os.environ.get("FENCELAB_SIM_SCHEDULES", "2000"))
FIRST_SEED = int(os.environ.get("FENCELAB_SIM_SEED", "0"))


def test_random_schedules_converge_and_stay_safe() -> None:
    count = 1 if "FENCELAB_SIM_SEED" in os.environ else SCHEDULES
    started = time.monotonic()
    worst = 0.0
    for seed in range(FIRST_SEED, FIRST_SEED + count):
        result = chaos_run(seed)
        assert result.ok, (
            f"seed {seed} failed (replay: FENCELAB_SIM_SEED={seed}); converged={result.converged} "
            f"violations={list(result.violations[:3])} final: {result.final_state}; "
            f"last faults: {result.faults[-8:]}"
        )
        if result.convergence_ms is not None:
            worst = max(worst, result.convergence_ms / result.bound_ms)
    elapsed = time.monotonic() - started
    print(f"{count} schedules in {elapsed:.1f}s; slowest convergence used {worst:.0%} of the bound")


def test_a_seed_replays_identically() -> None:
    assert chaos_run(1234) == chaos_run(1234)
