"""Thousands of random fault schedules (drops, delays, partitions, crashes, restarts, leaves, clock jumps).

Properties: once the network heals and stays stable for the bound, all live nodes agree on the
generation and member list, and stay agreed; at no time are two disjoint views both quorate, and no
generation carries two different overlapping views, and a run is settled only after a stability window
without any view change. A failure prints the seed; replay it with
``FENCELAB_SIM_SEED=<seed> pytest tests/cluster/test_membership_chaos.py``. Environment:
FENCELAB_SIM_SCHEDULES (count), FENCELAB_SIM_FIRST (first seed), FENCELAB_SIM_MAX_NODES (default 5).
"""

from __future__ import annotations

import os
import time

from cluster.membership.chaos import chaos_run

SCHEDULES = int(os.environ.get("FENCELAB_SIM_SCHEDULES", "10000"))
MAX_NODES = int(os.environ.get("FENCELAB_SIM_MAX_NODES", "5"))
FIRST_SEED = int(os.environ.get("FENCELAB_SIM_SEED", os.environ.get("FENCELAB_SIM_FIRST", "0")))


def test_random_schedules_converge_and_stay_safe() -> None:
    count = 1 if "FENCELAB_SIM_SEED" in os.environ else SCHEDULES
    started = time.monotonic()
    worst = 0.0
    for seed in range(FIRST_SEED, FIRST_SEED + count):
        result = chaos_run(seed, max_nodes=MAX_NODES)
        assert result.ok, (
            f"seed {seed} failed (replay: FENCELAB_SIM_MAX_NODES={MAX_NODES} FENCELAB_SIM_SEED={seed}); "
            f"converged={result.converged} "
            f"violations={list(result.violations[:3])} final: {result.final_state}; "
            f"last faults: {result.faults[-8:]}"
        )
        if result.convergence_ms is not None:
            worst = max(worst, result.convergence_ms / result.bound_ms)
    elapsed = time.monotonic() - started
    print(f"{count} schedules in {elapsed:.1f}s; slowest convergence used {worst:.0%} of the bound")


def test_a_seed_replays_identically() -> None:
    assert chaos_run(1234) == chaos_run(1234)


def test_seed_11597_converges_and_stays_safe() -> None:
    """Issue 15: 3 nodes, token 1 s, singletons then 50 % drop, then the heal. With the all-to-all
    heartbeats of the time, node 1 timed node 3 out 445 ms after the heal (a silence that began before
    it) and re-admitted it; the old check had already called the run settled."""
    result = chaos_run(11597)
    assert result.ok, result


def test_a_view_change_after_the_first_agreement_is_waited_for() -> None:
    """Seed 9008 looks agreed and settled 250 ms after the heal, and changes its view 646 ms after it
    (a silence from before the heal, detected a token later). The run counts as settled only after a
    whole stability window without a change, so this is convergence, not instability."""
    result = chaos_run(9008)
    assert result.ok, result
    assert result.first_agreed_ms is not None and result.convergence_ms is not None
    assert result.first_agreed_ms < result.convergence_ms < result.bound_ms
