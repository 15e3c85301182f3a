"""Random fault schedules, CTS style: a seed draws a scenario from templates; the same seed, the same one.

Pure: a seed in, a Scenario out (over the shipped three-node lab). Every schedule is built to be safe to
judge: each fault is followed by what a correct cluster must do about it. A schedule with a network fault
(loss, delay, a one-way partition) needs nodes that are machines (root): it says so (machines = true).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from harness.scenario.spec import Scenario, Step

LIBRARY = Path(__file__).parent / "library"
NODES = ("node1", "node2", "node3")
IPMI = {"node1": "ipmi1", "node2": "ipmi2", "node3": "ipmi3"}


TEMPLATES = ["crash", "hang", "kill", "partition", "device-fallback", "quiet", "loss", "delay", "oneway"]
NETWORK = ("loss", "delay", "oneway")  # faults in the nodes' kernels: the lab's nodes must be machines
Raw = list[tuple[str, float, dict[str, Any]]]


def _tolerated(rng: random.Random, template: str, victim: str, pause: float) -> Raw:
    """A network fault the lab's token (400 ms) rides out: nobody may be fenced, then the network heals.
    Measured (docs/bench.md): 40 % loss each way at token 400, 700 ms of delay each way at token 1000."""
    if template == "loss":
        fault = ("loss", pause, {"node": victim, "percent": rng.choice([5, 10, 15, 20])})
    else:
        ms = rng.choice([20, 50, 100])
        fault = ("delay", pause, {"node": victim, "ms": ms, "jitter": ms // 5})
    quiet = {"what": "nobody-fenced", "within": round(rng.uniform(2.0, 4.0), 1)}
    member = {"what": "member", "node": victim, "within": 10.0}
    return [fault, ("expect", 0.0, quiet), ("heal", 0.0, {}), ("expect", 0.0, member)]


def _steps(rng: random.Random) -> Raw:
    victim = rng.choice(NODES)
    others = [n for n in NODES if n != victim]
    template = rng.choice(TEMPLATES)
    pause = round(rng.uniform(0.2, 2.0), 2)
    if template == "quiet":
        return [("expect", pause, {"what": "nobody-fenced", "within": round(rng.uniform(1.0, 4.0), 1)})]
    if template in ("loss", "delay"):
        return _tolerated(rng, template, victim, pause)
    steps: Raw = []
    if template == "device-fallback":
        kind = rng.choice(["hang", "refuse-login", "drop", "garbage"])
        steps.append(("fault", 0.0, {"device": IPMI[victim], "fault": {"kind": kind}}))
        steps.append(("crash", pause, {"node": victim}))
    elif template == "partition":
        steps.append(("partition", pause, {"groups": [others, [victim]]}))
    elif template == "oneway":  # the victim's packets no longer reach the others; theirs still reach it
        steps.append(("partition", pause, {"groups": [[victim], others], "oneway": True}))
    else:
        steps.append((template, pause, {"node": victim}))
    steps.append(("expect", 0.0, {"what": "fenced", "node": victim, "within": 25.0}))
    if template == "device-fallback":
        steps.append(("clear", 0.0, {"device": IPMI[victim]}))
    if template in ("partition", "oneway"):
        steps.append(("heal", round(rng.uniform(0.0, 1.0), 2), {}))
    steps.append(("expect", 0.0, {"what": "member", "node": victim, "within": 30.0}))
    return steps


def random_scenario(seed: int) -> Scenario:
    rng = random.Random(seed)
    rounds = rng.randint(1, 2)
    raw = [s for _ in range(rounds) for s in _steps(rng)]
    steps = tuple(Step(do, after, args, i) for i, (do, after, args) in enumerate(raw, start=1))
    names = "+".join(s.do + ("-oneway" if s.get("oneway") else "") for s in steps
                     if s.do not in ("expect", "clear", "heal"))  # fmt: skip
    network = any(s.do in ("loss", "delay") or s.get("oneway") for s in steps)
    return Scenario(
        name=f"random-{seed}", source=f"random seed {seed}", conf=LIBRARY / "labs" / "three_nodes.conf",
        machines=True if network else None, steps=steps, limits={"fence_bound": 25.0},
        description=f"seed {seed}: {names or 'quiet'}", seed=seed,
    )  # fmt: skip
