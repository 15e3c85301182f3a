"""Run a scenario on a lab built from its cluster.conf, record one history, judge it.

The runner builds the lab (harness.lab_up), executes the steps in order (their ``after`` delays are the
fault schedule), writes its own actions as events (``scenario``, ``step``, ``fault``, ``operator``,
``expect``) beside the nodes' and devices' streams, and at the end merges every stream into one history
(harness.scenario.history) on which the expectations and the invariants are judged.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.lab_plan import nps_config
from harness.lab_up import ConfLab
from harness.netfault import NetFaults
from harness.scenario import network_steps
from harness.scenario.backend import BACKENDS, Bundled
from harness.scenario.expectations import EXPECT
from harness.scenario.history import Event, Feed, History, Wiring, merge, parse_lines
from harness.scenario.invariants import Limits, Violation, check_all
from harness.scenario.probes import Prober
from harness.scenario.restart_steps import restart_cluster
from harness.scenario.spec import DEFAULT_WITHIN, Scenario, Step

POLL = 0.05


@dataclass
class Expectation:
    step: Step
    ok: bool
    detail: str
    t: float


@dataclass
class Outcome:
    scenario: Scenario
    history: History
    expectations: list[Expectation] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    t0: float = 0.0
    backend: str = "bundled"
    skipped: str = ""  # why this backend cannot run the scenario (then nothing ran)

    @property
    def caught(self) -> set[str]:
        return {v.invariant for v in self.violations}

    @property
    def ok(self) -> bool:
        """Every expectation met, and the invariants violated exactly as the scenario says (none, unless it
        shows a broken device on purpose)."""
        if self.skipped:
            return True
        expected = set(self.scenario.expect_violations)
        return not self.errors and self.caught == expected and all(e.ok for e in self.expectations)


class ScenarioRunner:
    def __init__(self, scenario: Scenario, root: Path, backend: str = "bundled") -> None:
        self.scenario = scenario
        self.root = Path(root)
        self.backend = make_backend(backend, scenario, self.root)
        self.lab: ConfLab = self.backend.lab
        self.prober: Prober | None = None
        self.netfaults: NetFaults | None = None  # loss, delay, one-way partitions (machine labs)
        self.events_path = self.root / "scenario.jsonl"
        self._fd: int | None = None
        self.mark = 0.0  # when the previous step ran: expectations count from here

    # ---- our own event stream --------------------------------------------------------------------------
    def emit(self, kind: str, **fields: Any) -> None:
        line = json.dumps({"t": time.time(), "src": "scenario", "kind": kind, **fields}) + "\n"
        if self._fd is not None:
            os.write(self._fd, line.encode())

    # ---- the run ----------------------------------------------------------------------------------------
    def run(self) -> Outcome:
        self.root.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.events_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)
        outcome = Outcome(self.scenario, History([]), backend=self.backend.name)
        for step in self.scenario.steps:
            why = self.backend.unsupported(step)
            if why:
                outcome.skipped = f"step {step.index} ({step.describe()}): {why}"
                os.close(self._fd)
                self._fd = None
                return outcome
        t_up = time.monotonic()
        outcome.t0 = time.time()
        try:
            self.emit("scenario", name=self.scenario.name, seed=self.scenario.seed, backend=self.backend.name)
            self.backend.start()
            self.lab = self.backend.lab
            self.prober = Prober(self.lab, self.emit)
            self.prober.start()
            outcome.timings["lab_up"] = time.monotonic() - t_up
            self.emit("lab", machines=self.lab.machines)
            t_run = time.monotonic()
            self.mark = time.time()
            for step in self.scenario.steps:
                if step.after:
                    time.sleep(step.after)  # the fault schedule itself, not a wait for a state
                self._do(step, outcome)
            outcome.timings["steps"] = time.monotonic() - t_run
        except Exception as err:  # a step that cannot run ends the scenario: said, not raised
            outcome.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
        finally:
            t_down = time.monotonic()
            self.emit("teardown")
            if self.prober is not None:
                self.prober.close()
            if self.netfaults is not None:
                self.netfaults.close()
            self.backend.stop()
            outcome.timings["teardown"] = time.monotonic() - t_down
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        outcome.history = self.history(until_teardown=True)  # the lab's own shutdown is not the scenario
        outcome.violations = check_all(outcome.history, limits_from(self.scenario.limits))
        return outcome

    def _do(self, step: Step, outcome: Outcome) -> None:
        self.emit("step", index=step.index, do=step.do, args=dict(step.args))
        if step.do == "expect":
            outcome.expectations.append(self._expect(step))
        else:
            ACTIONS[step.do](self, step)
            self.mark = time.time()

    # ---- history ---------------------------------------------------------------------------------------
    def streams(self) -> list[Path]:
        paths = [self.events_path] + sorted((self.lab.root / "devices").glob("*.events.jsonl"))
        paths += self.backend.streams()
        return [p for p in paths if p.exists()]

    def wiring(self) -> Wiring:
        plan = self.lab.plan
        if plan is None:
            return Wiring()
        wiring = Wiring(names=dict(plan.nodes), feeds={n: [] for n in plan.nodes.values()})
        for device in plan.devices:
            if device.kind == "nps":  # named plugs got numbers: read them back from the device's config
                plugs = nps_config(device, "", {f.id: [] for f in device.feeds})["plugs"]
                for plug in plugs:
                    feed = next(
                        (f for f in device.feeds if f.plug in (str(plug["number"]), plug["name"])), None
                    )
                    if feed is not None and "wire" in plug:
                        wiring.feeds[feed.node].append(Feed(device.name, str(plug["number"])))
            elif device.kind == "bmc":
                for f in device.feeds:
                    wiring.feeds[f.node].append(Feed(device.name, "chassis"))
            else:
                for port, node in device.hosts.items():
                    wiring.feeds[node].append(Feed(device.name, port, "fabric"))
        return wiring

    def history(self, until_teardown: bool = False) -> History:
        streams = []
        for path in self.streams():
            with open(path, encoding="utf-8", errors="replace") as fh:
                streams.append(list(parse_lines(fh)))
        events = merge(streams)
        if until_teardown:
            end = next((e.seq for e in events if e.src == "scenario" and e.kind == "teardown"), len(events))
            events = events[:end]
        return History(events, self.wiring())

    # ---- expectations ----------------------------------------------------------------------------------
    def _expect(self, step: Step) -> Expectation:
        what, within = str(step.get("what")), float(step.get("within", DEFAULT_WITHIN))
        judge = EXPECT[what]
        holds_until_end = what in ("not-fenced", "nobody-fenced")
        # "it happens within N s" counts from the last action; "nothing happens for N s" from now
        since, deadline = (time.time() if holds_until_end else self.mark), time.monotonic() + within
        while True:
            ok, detail = judge(self, step, since)
            if holds_until_end and not ok:
                break
            if not holds_until_end and ok:
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL)
        if not ok and not holds_until_end:
            detail = f"not within {within:g} s: {detail}"
        self.emit("expect", index=step.index, what=what, ok=ok, detail=detail)
        return Expectation(step, ok, detail, time.time())

    def cuts(self, since: float, node: str | None = None) -> list[tuple[Event, str]]:
        """(device event, node) for every cut of a node (or of any node) since a time."""
        h = self.history()
        return [
            (e, who) for e, who, on, _ in h.power_events() if not on and e.t >= since and node in (None, who)
        ]

    # ---- node handles ----------------------------------------------------------------------------------
    def nodeid(self, name: str) -> int:
        return self.lab.nodeid(name)

    def node_pids(self, name: str) -> list[int]:
        if self.lab.net is not None:
            return self.lab.net.node_pids(self.nodeid(name))
        proc = self.lab.procs.get(name)
        if proc is None or proc.poll() is not None:
            return []
        return _group(proc.pid)

    def ask(self, name: str, cmd: str, **args: Any) -> dict[str, Any]:
        """A bundled node daemon's control socket (backends without one refuse such steps beforehand)."""
        return self.backend.ask(name, cmd, **args)  # type: ignore[no-any-return]

    def signal_node(self, name: str, sig: int) -> None:
        for pid in self.node_pids(name):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


def make_backend(name: str, scenario: Scenario, root: Path) -> Any:
    """The stack the scenario runs on (harness.scenario.backend)."""
    if name == "bundled":
        return Bundled(scenario, root)
    if name == "pacemaker":
        from harness.pacemaker.scenario_backend import PacemakerBackend

        return PacemakerBackend(scenario, root)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {name!r}")


def limits_from(values: Mapping[str, float]) -> Limits:
    base = Limits()
    return Limits(
        fence_bound=values.get("fence_bound", base.fence_bound),
        service_bound=values.get("service_bound", base.service_bound),
        storm_count=int(values.get("storm_count", base.storm_count)),
        storm_window=values.get("storm_window", base.storm_window),
    )


def _group(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    pids.append(int(entry))
            except ProcessLookupError:
                continue
    return pids


# ---- actions ----------------------------------------------------------------------------------------------
def _crash(r: ScenarioRunner, s: Step) -> None:
    r.emit("fault", target=s.get("node"), fault="crash")
    r.signal_node(str(s.get("node")), signal.SIGKILL)


def _hang(r: ScenarioRunner, s: Step) -> None:
    r.emit("fault", target=s.get("node"), fault="hang")
    r.signal_node(str(s.get("node")), signal.SIGSTOP)


def _resume(r: ScenarioRunner, s: Step) -> None:
    r.emit("fault", target=s.get("node"), fault="resume")
    r.signal_node(str(s.get("node")), signal.SIGCONT)


def _kill(r: ScenarioRunner, s: Step) -> None:
    r.emit("fault", target=s.get("node"), fault="kill-daemon")
    r.backend.kill_daemon(str(s.get("node")))


def _partition(r: ScenarioRunner, s: Step) -> None:
    assert r.lab.plan is not None
    if s.get("oneway", False):
        network_steps.oneway_partition(r, s)
        return
    groups = [[str(n) for n in g] for g in s.get("groups")]
    everyone = set(r.lab.plan.nodes.values())
    placed = {n for g in groups for n in g}
    groups += [[n] for n in sorted(everyone - placed)]  # a node no group names is alone
    r.backend.partition(r, groups)


def _heal(r: ScenarioRunner, s: Step) -> None:
    r.emit("heal")
    network_steps.heal(r)
    r.backend.heal(r)


def _cable(up: bool) -> Callable[[ScenarioRunner, Step], None]:
    def act(r: ScenarioRunner, s: Step) -> None:
        if r.lab.net is None:
            raise RuntimeError(f"step {s.index}: {s.do} needs a machine lab (root)")
        r.emit("fault", target=s.get("node"), fault="reconnect" if up else "isolate")
        r.lab.net.link(r.nodeid(str(s.get("node"))), up)

    return act


def _device_request(r: ScenarioRunner, device: str, request_: dict[str, Any]) -> None:
    emu = r.lab.devices.get(device)
    if emu is None:
        raise RuntimeError(f"no device {device} in this lab")
    if emu.kind == "bmc":
        request_ = {**request_, "bmc": device}
    answer = emu.control(request_)
    if not answer.get("ok", True):
        raise RuntimeError(f"device {device}: {answer.get('error')}")


def _fault(r: ScenarioRunner, s: Step) -> None:
    r.emit("device_fault", device=s.get("device"), fault=dict(s.get("fault")))
    _device_request(r, str(s.get("device")), {"cmd": "fault", "fault": dict(s.get("fault"))})


def _clear(r: ScenarioRunner, s: Step) -> None:
    r.emit("device_fault", device=s.get("device"), fault=None)
    _device_request(r, str(s.get("device")), {"cmd": "clear-faults"})


def _run(r: ScenarioRunner, s: Step) -> None:
    argv = str(s.get("command")).split()
    if argv and argv[0] in ("fence_node", "fence_ack_manual") and len(argv) > 1:
        r.emit("operator", target=argv[-1], command=" ".join(argv))
    out = r.backend.operator(str(s.get("node")), argv, s)
    r.emit(
        "command",
        node=s.get("node"),
        command=" ".join(argv),
        code=out.returncode,
        output=(out.stdout + out.stderr).strip()[-500:],
    )
    want = s.get("exit")
    if want is not None and out.returncode != int(want):
        raise RuntimeError(f"step {s.index}: {' '.join(argv)} exited {out.returncode}, not {want}")


def _exec(r: ScenarioRunner, s: Step) -> None:
    node = str(s.get("node"))
    if r.lab.net is None:
        raise RuntimeError(f"step {s.index}: exec needs a machine lab (root)")
    init = r.lab.net.init_pid(r.nodeid(node))
    if init is None:
        raise RuntimeError(f"step {s.index}: {node} is not running")
    r.emit("fault", target=node, fault="exec", command=str(s.get("command")))
    argv = ["nsenter", "-t", str(init), "-a", "/bin/sh", "-c", str(s.get("command"))]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=float(s.get("timeout", 30)))
    r.emit(
        "command",
        node=node,
        command=str(s.get("command")),
        code=out.returncode,
        output=(out.stdout + out.stderr).strip()[-500:],
    )


def _wait(r: ScenarioRunner, s: Step) -> None:
    time.sleep(float(s.get("seconds")))  # part of the schedule: let the cluster run undisturbed


ACTIONS: dict[str, Callable[[ScenarioRunner, Step], None]] = {
    "crash": _crash,
    "hang": _hang,
    "resume": _resume,
    "kill": _kill,
    "partition": _partition,
    "heal": _heal,
    "isolate": _cable(False),
    "reconnect": _cable(True),
    "fault": _fault,
    "clear": _clear,
    "run": _run,
    "exec": _exec,
    "wait": _wait,
    "loss": network_steps.loss,
    "delay": network_steps.delay,
    "restart-cluster": restart_cluster,
}
