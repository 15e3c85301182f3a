"""Random fault schedules, CTS style: a seed draws a scenario from templates; the same seed, the same one.

Pure: a seed in, a Scenario out (over the shipped three-node lab). Every schedule is built to be safe to
judge: each fault is followed by what a correct cluster must do about it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from harness.scenario.spec import Scenario, Step

LIBRARY = Path(__file__).parent / "library"
NODES = ("node1", "node2", "node3")
IPMI = {"node1": "ipmi1", "node2": "ipmi2", "node3": "ipmi3"}


def _steps(rng: random.Random) -> list[tuple[str, float, dict[str, Any]]]:
    victim = rng.choice(NODES)
    others = [n for n in NODES if n != victim]
    template = rng.choice(["crash", "hang", "kill", "partition", "device-fallback", "quiet"])
    pause = round(rng.uniform(0.2, 2.0), 2)
    if template == "quiet":
        return [("expect", pause, {"what": "nobody-fenced", "within": round(rng.uniform(1.0, 4.0), 1)})]
    steps: list[tuple[str, float, dict[str, Any]]] = []
    if template == "device-fallback":
        kind = rng.choice(["hang", "refuse-login", "drop", "garbage"])
        steps.append(("fault", 0.0, {"device": IPMI[victim], "fault": {"kind": kind}}))
        steps.append(("crash", pause, {"node": victim}))
    elif template == "partition":
        steps.append(("partition", pause, {"groups": [others, [victim]]}))
    else:
        steps.append((template, pause, {"node": victim}))
    steps.append(("expect", 0.0, {"what": "fenced", "node": victim, "within": 25.0}))
    if template == "device-fallback":
        steps.append(("clear", 0.0, {"device": IPMI[victim]}))
    if template == "partition":
        steps.append(("heal", round(rng.uniform(0.0, 1.0), 2), {}))
    steps.append(("expect", 0.0, {"what": "member", "node": victim, "within": 30.0}))
    return steps


def random_scenario(seed: int) -> Scenario:
    rng = random.Random(seed)
    rounds = rng.randint(1, 2)
    raw = [s for _ in range(rounds) for s in _steps(rng)]
    steps = tuple(Step(do, after, args, i) for i, (do, after, args) in enumerate(raw, start=1))
    names = "+".join(s.do for s in steps if s.do not in ("expect", "clear", "heal"))
    return Scenario(
        name=f"random-{seed}", source=f"random seed {seed}", conf=LIBRARY / "labs" / "three_nodes.conf",
        machines=None, steps=steps, limits={"fence_bound": 25.0},
        description=f"seed {seed}: {names or 'quiet'}", seed=seed,
    )  # fmt: skip
