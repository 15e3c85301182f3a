"""What the scenario runner asks of the cluster stack under test: one small interface, two stacks.

The runner (harness.scenario.runner) does everything backend-neutral itself: faults on whole machines
(crash, hang, resume: signals to every process of a node), cables, device faults, commands inside a
machine, ground-truth probes and the devices' logs. What depends on the stack goes through a ``Backend``:
building the lab, the stack's own event streams, killing "the cluster daemon", partitions, operator
commands, and the expectations that ask the stack (member, quorate, service). ``Bundled`` is the bundled
cman/fenced/rgmanager stack (each node's control socket); the Pacemaker backend is
harness.pacemaker.scenario_backend.

A step a backend cannot do is refused before the lab is built (``unsupported``), so the scenario is
reported SKIPPED with one line why instead of failing halfway.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from cluster.daemon.control import ControlError, request
from harness.lab_up import ConfLab
from harness.scenario.spec import Scenario, Step

BACKENDS = ("bundled", "pacemaker")


class Run(Protocol):
    """What a backend may use of the running scenario (harness.scenario.runner.ScenarioRunner)."""

    netfaults: Any  # harness.netfault.NetFaults once a network fault is on

    def emit(self, kind: str, **fields: Any) -> None: ...

    def nodeid(self, name: str) -> int: ...


class Bundled:
    """The bundled stack: one fencelab-node daemon per node, asked through its control socket."""

    name = "bundled"

    def __init__(self, scenario: Scenario, root: Path) -> None:
        self.scenario = scenario
        self.root = root
        self.lab: ConfLab = ConfLab(scenario.conf, root / "lab", machines=scenario.machines)
        self.www: Any = None

    # ---- the lab -----------------------------------------------------------------------------------------
    def unsupported(self, step: Step) -> str | None:
        return None

    def start(self) -> None:
        if self.scenario.www is not None:  # the www lab builds its own conf, disk and web server
            from harness.www_lab import build_www_lab

            self.www = build_www_lab(self.root, **self.scenario.www)
            self.lab = self.www.lab
        else:
            self.lab.start()

    def stop(self) -> None:
        if self.www is not None:
            from harness.www_lab import stop_www_lab

            stop_www_lab(self.www)
        else:
            self.lab.stop()

    def streams(self) -> list[Path]:
        """The stack's own event files (the devices' are the runner's)."""
        if self.lab.plan is None:
            return []
        return [self.lab.run_dir(n) / "events.jsonl" for n in self.lab.plan.nodes.values()]

    # ---- faults and commands -----------------------------------------------------------------------------
    def kill_daemon(self, node: str) -> None:
        """The cluster daemon of ``node`` dies; its machine stays up (component failure)."""
        pid = self.lab.node_pid(node)
        if pid:
            os.kill(pid, 9)

    def ask(self, node: str, cmd: str, **args: Any) -> dict[str, Any]:
        return request(self.lab.run_dir(node), cmd, timeout=5.0, **args)

    def partition(self, r: Run, groups: list[list[str]]) -> None:
        everyone = set(self.lab.plan.nodes.values()) if self.lab.plan else set()
        for group in groups:
            for node in group:
                r.emit("fault", target=node, fault="partition", hears=group)
                others = [r.nodeid(n) for n in everyone - set(group)]
                try:
                    self.ask(node, "drop", peers=others)
                except (ControlError, OSError):
                    continue  # a dead node hears nobody anyway

    def heal(self, r: Run) -> None:
        for node in self.lab.plan.nodes.values() if self.lab.plan else ():
            try:
                self.ask(node, "drop", peers=[])
            except (ControlError, OSError):
                continue

    def operator(self, node: str, argv: list[str], step: Step) -> subprocess.CompletedProcess[str]:
        """An operator's tool (fence_node, fence_ack_manual, clusvcadm, cman_tool...) run for ``node``."""
        env = {**os.environ, "FENCELAB_RUN_DIR": str(self.lab.run_dir(node))}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        timeout = float(step.get("timeout", 60))
        return subprocess.run(argv, input=str(step.get("input", "")), capture_output=True, text=True,
                              timeout=timeout, env=env)  # fmt: skip

    # ---- what the stack says (expectations) --------------------------------------------------------------
    def member(self, target: str) -> tuple[bool, str]:
        assert self.lab.plan is not None
        wanted = self.lab.nodeid(target)
        missing, asked = [], 0
        for name in self.lab.plan.nodes.values():
            try:
                nodes = self.ask(name, "nodes")["nodes"]
            except (ControlError, OSError):
                continue  # a node that is down has no view to ask
            asked += 1
            if not any(n["id"] == wanted and n["status"] == "M" for n in nodes):
                missing.append(name)
        if not asked:  # a whole cluster down (restarting) counts nobody a member
            return False, "no node answers"
        return (
            not missing,
            f"{target} not a member for {', '.join(missing)}" if missing else "member everywhere",
        )

    def quorate(self, node: str) -> tuple[bool, str]:
        try:
            status = self.ask(node, "status")["status"]
        except (ControlError, OSError) as err:
            return False, f"{node} does not answer: {err}"
        quorate = bool(status.get("quorate"))
        return quorate, f"{node} {'is' if quorate else 'is not'} quorate"

    def service(self, want: str, node: str, restarts: int) -> tuple[bool, str]:
        assert self.lab.plan is not None
        full = want if ":" in want else f"service:{want}"
        for name in self.lab.plan.nodes.values():
            try:
                rows = self.ask(name, "rm_status")["services"]
            except (ControlError, OSError):
                continue
            row = next((x for x in rows if x["name"] == full), None)
            if row is not None:
                ok = row["state"] == 112 and row["owner"] == node and row["restarts"] >= restarts
                detail = f"{full} is {row['state']} on {row['owner']}, {row['restarts']} restarts"
                detail += f" (as {name} knows it)"
                return ok, detail
        return False, "no node answers about its services"
