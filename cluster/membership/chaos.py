"""Random fault schedules for the membership simulation, reproducible from a seed.

A run: nodes join, then a chaos phase of random faults, then the network heals and stays stable. It
reports whether all live nodes agreed within the bound (and stayed agreed), how long that took, and any
safety violation seen at any time (disjoint quorate views, one generation with two overlapping views).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .protocol import Timing
from .simulation import Simulation


@dataclass(frozen=True)
class ChaosResult:
    seed: int
    converged: bool
    convergence_ms: float | None
    first_agreed_ms: float | None  # when all first looked agreed and settled after the heal
    bound_ms: float
    violations: tuple[str, ...]
    final_state: str
    faults: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.converged and not self.violations


def convergence_bound(timing: Timing, max_delay: float) -> float:
    """How long after healing all live nodes must agree: failure detection, a stale round's timeout,
    suspicion expiry, and a few rounds of proposal, ack and commit."""
    return (
        2 * timing.token_ms
        + 2 * timing.consensus_ms
        + 4 * timing.heartbeat_ms
        + 20 * max_delay
        + timing.join_ms
    )


def stability_window(timing: Timing) -> float:
    """How long the cluster must go without a view change to count as settled. A silence that began
    before the heal is only detected a token after its last message, and its round takes a join and a
    few delays more (max delay is at most a fifth of the token), so a run that looks agreed a moment
    after the heal may still change its view: two tokens cover that."""
    return 2 * timing.token_ms


@dataclass
class Settling:
    """The stricter check: a run counts as settled only once it is agreed (and nothing is pending) and a
    whole stability window has passed since the heal and since the last view change."""

    healed_at: float
    window: float
    first_agreed_ms: float | None = None  # when it first looked agreed, after the heal

    def observe(self, now: float, agreed: bool | Callable[[], bool], last_change: float) -> bool:
        """``agreed`` may be a function: it is then asked only when the answer matters (before the
        first agreement, and once a window has passed)."""
        window_passed = now - max(self.healed_at, last_change) >= self.window
        if callable(agreed):
            if self.first_agreed_ms is not None and not window_passed:
                return False
            agreed = agreed()
        if agreed and self.first_agreed_ms is None:
            self.first_agreed_ms = now - self.healed_at
        return agreed and window_passed


def _agreed_and_settled(sim: Simulation) -> bool:
    return sim.agreement() and all(n.machine.settled() for n in sim.live() if n.machine)


def chaos_run(seed: int, max_nodes: int = 5) -> ChaosResult:
    rng = random.Random(seed)
    n = rng.randint(1, max_nodes)
    token = rng.choice([300.0, 1000.0])
    consensus = rng.choice([None, 1.2 * token])  # cman's rule, or corosync's default
    timing = Timing.from_totem(token, n, consensus_ms=consensus)
    max_delay = rng.uniform(1.0, token / 5)
    votes = {i: rng.choice([1, 1, 1, 2]) for i in range(1, n + 1)}
    sim = Simulation(list(range(1, n + 1)), timing, seed, votes=votes, delay=(0.2, max_delay))
    sim.drop = rng.choice([0.0, 0.05, 0.2, 0.5])
    faults: list[str] = []
    retired: set[int] = set()  # left with "remove": decommissioned, never started again (see below)
    for node in sim.node_ids:
        sim.run_until(sim.now + rng.uniform(0, token))
        sim.start(node)
    chaos_end = sim.now + rng.uniform(0, 8 * token)
    while True:
        step = rng.expovariate(2.0 / token)
        if sim.now + step >= chaos_end:
            break
        sim.run_until(sim.now + step)
        faults.append(_random_fault(sim, rng, token, retired))
    sim.run_until(chaos_end)
    sim.heal()
    for down in [n.nodeid for n in sim.nodes.values() if n.machine is None and n.nodeid not in retired]:
        if rng.random() < 0.5:
            sim.start(down)
            faults.append(f"restart {down} at heal")
    healed_at = sim.now
    bound = convergence_bound(timing, max_delay)
    window = stability_window(timing)
    give_up = healed_at + bound + window
    stable = False
    settling = Settling(healed_at, window)
    while sim.now < give_up:
        sim.run_until(min(sim.now + timing.heartbeat_ms, give_up))
        last_change = sim.view_log[-1][0] if sim.view_log else 0.0
        if settling.observe(sim.now, lambda: _agreed_and_settled(sim), last_change):
            stable = True
            break
    last_change = max((t for t, _, _ in sim.view_log), default=healed_at)
    converged = stable and last_change - healed_at <= bound
    return ChaosResult(
        seed=seed,
        converged=converged,
        convergence_ms=max(0.0, last_change - healed_at) if converged else None,
        first_agreed_ms=settling.first_agreed_ms,
        bound_ms=bound,
        violations=tuple(sim.violations),
        final_state=sim.describe(),
        faults=tuple(faults),
    )


def _random_fault(sim: Simulation, rng: random.Random, token: float, retired: set[int]) -> str:
    """One random fault. A node that left with ``remove`` lowered everyone's expected votes, as
    ``cman_tool leave remove`` does; starting it again while partitioned from the others could make
    both sides quorate (true of cman too), so such a node stays retired."""
    node = rng.choice(sim.node_ids)
    if node in retired:
        return "nothing"
    machine = sim.nodes[node].machine
    kind = rng.choice(
        ["partition", "partition", "heal", "crash", "restart", "jump", "leave", "rejoin", "drop"]
    )
    if kind == "partition":
        groups: dict[int, list[int]] = {}
        for n in sim.node_ids:
            groups.setdefault(rng.randint(0, 2), []).append(n)
        sim.partition(groups.values())
        return f"partition {sorted(groups.values())}"
    if kind == "heal":
        sim.partition([sim.node_ids])
        return "reconnect"
    if kind == "crash" and machine is not None:
        sim.crash(node)
        return f"crash {node}"
    if kind == "restart" and machine is None:
        sim.start(node)
        return f"restart {node}"
    if kind == "jump":
        delta = rng.uniform(-3 * token, 3 * token)
        sim.jump_clock(node, delta)
        return f"clock {node} {delta:+.0f}ms"
    if kind == "leave" and machine is not None and machine.joined:
        remove = rng.random() < 0.3
        sim.leave(node, remove)
        if remove:
            retired.add(node)
        return f"leave {node}{' remove' if remove else ''}"
    if kind == "rejoin" and machine is not None and not machine.joined:
        sim.rejoin(node)
        return f"rejoin {node}"
    if kind == "drop":
        sim.drop = rng.choice([0.0, 0.05, 0.2, 0.5])
        return f"drop {sim.drop}"
    return "nothing"
