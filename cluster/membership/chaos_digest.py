"""Digests of membership simulation runs, to prove that a change (a speed-up) changed no behaviour.

For each seed: the whole ``ChaosResult`` (verdict, convergence times, violations, final views, faults),
every view change the simulation logged (simulated time, node, generation, members, reasons), the
simulated clock at the end and the state of the network's random generator (one or two draws per
message sent, so the same state means the same number of messages sent, dropped and delayed alike).
Floats are compared bit for bit (``repr``).

    python cluster/membership/chaos_digest.py 0 2000 > before.txt   # one line per seed: seed, sha256
    python cluster/membership/chaos_digest.py 0 400 --max-nodes 32
    python cluster/membership/chaos_digest.py 0 2000 --check before.txt
    python cluster/membership/chaos_digest.py 0 300 --combined       # one sha256 for them all

Only public attributes of ``Simulation`` are read (it is caught as ``chaos_run`` creates it), so the
same file run as a script measures an older checkout too: ``PYTHONPATH=old-checkout python
cluster/membership/chaos_digest.py ...`` (absolute imports, for that reason).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from cluster.membership import chaos
from cluster.membership.simulation import Simulation


def seed_digest(seed: int, max_nodes: int) -> str:
    created: list[Simulation] = []
    original = Simulation.__post_init__

    def catching(self: Simulation) -> None:
        original(self)
        created.append(self)

    Simulation.__post_init__ = catching  # type: ignore[method-assign]
    try:
        result = chaos.chaos_run(seed, max_nodes=max_nodes)
    finally:
        Simulation.__post_init__ = original  # type: ignore[method-assign]
    (sim,) = created
    h = hashlib.sha256()
    h.update(repr(result).encode())
    for at, node, view in sim.view_log:
        h.update(repr((at, node, view)).encode())
    h.update(repr((sim.now, sim.rng.getstate())).encode())
    return h.hexdigest()


def digests(first: int, count: int, max_nodes: int = 5) -> list[str]:
    return [f"{seed} {seed_digest(seed, max_nodes)}" for seed in range(first, first + count)]


def combined_digest(first: int, count: int, max_nodes: int = 5) -> str:
    return hashlib.sha256("\n".join(digests(first, count, max_nodes)).encode()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--max-nodes", type=int, default=5)
    parser.add_argument("--check", type=Path, help="a file this script wrote: report every seed that differs")
    parser.add_argument("--combined", action="store_true", help="print one digest of all the seeds")
    args = parser.parse_args(argv)
    if args.combined:
        print(combined_digest(args.first, args.count, args.max_nodes))
        return 0
    lines = digests(args.first, args.count, args.max_nodes)
    if args.check is None:
        print("\n".join(lines))
        return 0
    expected = dict(line.split() for line in args.check.read_text().splitlines())
    differ = [line.split()[0] for line in lines if expected.get(line.split()[0]) != line.split()[1]]
    print(
        f"{len(lines)} seeds compared, {len(differ)} differ{': ' + ' '.join(differ[:20]) if differ else ''}"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
