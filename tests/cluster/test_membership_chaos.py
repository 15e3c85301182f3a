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


def test_seed_11597_settles_only_after_a_quiet_stability_window() -> None:
    """3 nodes, token 1 s: partitioned into singletons, then 50 % drop, then healed. Node 1 last heard
    node 3 just over a token before node 3's first heartbeat after the heal arrives, so it rightly times
    node 3 out (a silence that began before the heal: generation 4) and re-admits it (generation 5),
    445-553 ms after the heal. The old check stopped at the first agreement, 250 ms after the heal, and
    then saw that change as instability; a run now counts as settled only after a stability window
    without any view change."""
    result = chaos_run(11597)
    assert result.ok, result
    assert result.convergence_ms is not None and 500 < result.convergence_ms < result.bound_ms
    assert result.final_state.count("gen 5 [1, 2, 3]") == 3
