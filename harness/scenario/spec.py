"""A scenario file (TOML): the lab, then steps run in order, then the limits its invariants use.

```toml
name = "crash of a node"
description = "..."
[lab]
conf = "labs/three_nps.conf"      # relative to this file; or www = { token = 1000 }: the www service lab
machines = "auto"                 # auto (as root) | true | false
[limits]
fence_bound = 10.0
[[step]]
after = 1.0                       # seconds after the previous step (a fault schedule, not synchronisation)
do = "crash"                      # see ACTIONS
node = "node3"
[[step]]
do = "expect"
what = "fenced"                   # see EXPECTATIONS
node = "node3"
within = 10.0
```

Parsing is pure; every mistake is one line naming the file and the step.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACTIONS = {
    "crash": ("node",),  # every process of the node dies (SIGKILL); its outlet stays on
    "hang": ("node",),  # SIGSTOP every process of the node
    "resume": ("node",),  # SIGCONT
    "kill": ("node",),  # only the node daemon dies (component failure)
    "partition": ("groups",),  # groups of nodes that hear only each other; oneway: groups[0] -/-> the rest
    "heal": (),  # every partition, loss and delay removed
    "loss": ("node", "percent"),  # packets to/from the node dropped at random (peers, oneway: only to it)
    "delay": ("node", "ms"),  # packets to/from the node held ms (± jitter ms) each way (peers, oneway)
    "isolate": ("node",),  # pull the node's network cable (machine labs)
    "reconnect": ("node",),
    "fault": ("device", "fault"),  # a device fault switched on, e.g. {kind = "hang"}
    "clear": ("device",),  # the device's faults switched off
    "exec": ("node", "command"),  # a command inside the node's machine (kill a daemon, break a resource)
    "run": ("node", "command"),  # an operator's tool on a node (fence_node, fence_ack_manual...); input, exit
    "expect": ("what",),
    "wait": ("seconds",),
    "restart-cluster": (),  # every node's stack leaves cleanly, then starts; power = true: a blackout
}
EXPECTATIONS = {
    "fenced": ("node",),  # a device cut the node (ground truth) within `within` s of the previous step
    "member": ("node",),  # every live node counts it a member again within `within` s
    "not-fenced": ("node",),  # no device cut it during `within` s
    "nobody-fenced": (),  # no device cut any node during `within` s
    "quorate": ("node",),  # the node is quorate within `within` s
    "service": ("service", "node"),  # the resource manager runs the service on the node within `within` s
}
DEFAULT_WITHIN = 20.0
INVARIANT_NAMES = (  # harness.scenario.invariants.INVARIANTS (spec stays free of the checks)
    "single-active",
    "fence-before-takeover",
    "verified-success",
    "history-matches-devices",
    "no-write-after-fence",
    "no-healthy-fenced",
    "single-quorate-partition",
    "bounded-recovery",
    "no-fence-storm",
    "unfence-before-io",
)
LIMIT_NAMES = ("fence_bound", "service_bound", "storm_count", "storm_window")  # harness.scenario.invariants


class ScenarioError(ValueError):
    """A scenario file that cannot be run; one line with the file and the step."""


@dataclass(frozen=True)
class Step:
    do: str
    after: float = 0.0
    args: Mapping[str, Any] = field(default_factory=dict)
    index: int = 0

    def get(self, key: str, default: Any = None) -> Any:
        return self.args.get(key, default)

    def describe(self) -> str:
        shown = " ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.do} {shown}".strip()


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    conf: Path
    machines: bool | None
    steps: tuple[Step, ...]
    limits: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    seed: int | None = None
    www: dict[str, Any] | None = None  # [lab] www = {...}: the resource manager's www lab (harness.www_lab)
    expect_violations: tuple[str, ...] = ()  # a scenario that shows a broken device: these must be caught


def _where(source: str, index: int | None) -> str:
    return f"{source}: step {index}" if index is not None else source


def parse(text: str, source: str, base: Path) -> Scenario:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: {err}") from None
    lab = data.get("lab")
    www = lab.get("www") if isinstance(lab, dict) else None
    if isinstance(lab, dict) and isinstance(www, dict):
        conf = Path("/dev/null")  # harness.www_lab writes the conf (and the disk, and the web server) itself
    elif not isinstance(lab, dict) or not isinstance(lab.get("conf"), str):
        raise ScenarioError(f'{source}: [lab] needs conf = "path/to/cluster.conf" (or www = {{...}})')
    else:
        conf = (base / lab["conf"]).resolve()
        if not conf.is_file():
            raise ScenarioError(f"{source}: [lab] conf {lab['conf']} is not a file (looked at {conf})")
    raw_machines = lab.get("machines", "auto")
    if raw_machines not in ("auto", True, False):
        raise ScenarioError(f"{source}: [lab] machines must be auto, true or false")
    machines: bool | None = None if raw_machines == "auto" else bool(raw_machines)
    limits = data.get("limits", {})
    if not isinstance(limits, dict) or not all(isinstance(v, int | float) for v in limits.values()):
        raise ScenarioError(f"{source}: [limits] holds numbers only")
    unknown = sorted(set(limits) - set(LIMIT_NAMES))
    if unknown:
        raise ScenarioError(f"{source}: [limits] {unknown[0]} is not one of {', '.join(LIMIT_NAMES)}")
    steps = tuple(_step(raw, i, source) for i, raw in enumerate(data.get("step", []), start=1))
    expected = data.get("expect_violations", [])
    if not isinstance(expected, list) or not all(v in INVARIANT_NAMES for v in expected):
        raise ScenarioError(f"{source}: expect_violations lists invariants: {', '.join(INVARIANT_NAMES)}")
    if not steps:
        raise ScenarioError(f"{source}: no [[step]]")
    return Scenario(
        name=str(data.get("name", Path(source).stem)), source=source, conf=conf, machines=machines,
        steps=steps, limits={k: float(v) for k, v in limits.items()},
        description=str(data.get("description", "")), www=dict(www) if isinstance(www, dict) else None,
        expect_violations=tuple(expected),
    )  # fmt: skip


def _step(raw: Any, index: int, source: str) -> Step:
    where = _where(source, index)
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a step is a table")
    do = raw.get("do")
    if do not in ACTIONS:
        raise ScenarioError(f"{where}: do = {do!r} is not one of {', '.join(ACTIONS)}")
    after = raw.get("after", 0.0)
    if not isinstance(after, int | float) or after < 0:
        raise ScenarioError(f"{where}: after must be seconds >= 0")
    args = {k: v for k, v in raw.items() if k not in ("do", "after")}
    missing = [k for k in ACTIONS[do] if k not in args]
    if do == "expect":
        what = args.get("what")
        if what not in EXPECTATIONS:
            raise ScenarioError(f"{where}: what = {what!r} is not one of {', '.join(EXPECTATIONS)}")
        missing += [k for k in EXPECTATIONS[what] if k not in args]
        within = args.get("within", DEFAULT_WITHIN)
        if not isinstance(within, int | float) or within <= 0:
            raise ScenarioError(f"{where}: within must be seconds > 0")
    if missing:
        raise ScenarioError(f"{where}: {do} needs {', '.join(missing)}")
    if do == "partition" and not (
        isinstance(args["groups"], list) and all(isinstance(g, list) and g for g in args["groups"])
    ):
        raise ScenarioError(f"{where}: groups is a list of lists of node names")
    _check_network_step(do, args, where)
    return Step(str(do), float(after), args, index)


def _number(args: Mapping[str, Any], key: str, where: str, low: float, high: float) -> None:
    value = args.get(key)
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high
    ):
        raise ScenarioError(f"{where}: {key} must be a number from {low:g} to {high:g}")


def _check_network_step(do: str, args: Mapping[str, Any], where: str) -> None:
    """The arguments of partition (oneway), loss, delay and restart-cluster."""
    for flag in ("oneway", "power"):
        if flag in args and not isinstance(args[flag], bool):
            raise ScenarioError(f"{where}: {flag} is true or false")
    if do == "partition" and args.get("oneway") and len(args["groups"]) < 2:
        raise ScenarioError(
            f"{where}: a one-way partition needs two groups: senders, then who no longer hears them"
        )
    if (
        do in ("loss", "delay")
        and "peers" in args
        and not (
            isinstance(args["peers"], list)
            and args["peers"]
            and all(isinstance(p, str) for p in args["peers"])
        )
    ):
        raise ScenarioError(f"{where}: peers is a list of node names")
    if do == "loss":
        _number(args, "percent", where, 0.01, 100)
    if do == "delay":
        _number(args, "ms", where, 0.1, 60000)
        _number(args, "jitter", where, 0, float(args["ms"]) if isinstance(args["ms"], int | float) else 0)
    if do == "restart-cluster":
        _number(args, "off", where, 0, 600)


def load(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    return parse(text, str(path), path.parent)
