"""The scenario runner's backend on real Corosync 3 + Pacemaker 2.1 (harness.pacemaker.lab.PacemakerLab).

The same scenario files run here as on the bundled stack (harness.scenario.backend.Bundled), judged by the
same invariants: the devices' logs and the namespace probes are the runner's own, and the stack's view
comes from the poller (harness.pacemaker.poller: crm_mon inside every live node, as our events).

What the bundled words mean here:

- ``kill`` (the cluster daemon dies, the machine stays up): SIGKILL to the node's corosync. Pacemaker
  loses the node's membership and fences it; the lab's node program then ends the node's stack. (Killing
  pacemakerd would fence nobody: it is respawned by design.)
- ``partition``: each node drops every packet to and from the nodes outside its group (nft in its
  namespace, harness.netfault), the fence devices stay reachable; ``heal`` removes the rules.
- operator commands, run inside the step's node: ``fence_node N`` -> ``stonith_admin --reboot N`` (the
  device's configured action, as fenced does), ``fence_ack_manual N`` -> ``stonith_admin --confirm N``,
  ``clusvcadm -r S [-m N]`` -> ``crm_resource --move`` (then ``--clear``, once the cluster settled: no
  constraint stays behind, as with rgmanager), ``clusvcadm -d S`` / ``-e S`` -> target-role Stopped /
  Started, ``clustat`` -> ``crm_mon -1``, ``cman_tool expected -e N`` -> ``corosync-quorumtool -e N``.
  Any other command is bundled-only: the scenario is SKIPPED, saying which step.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from pathlib import Path

from harness.netfault import NetFaults, netfaults_supported
from harness.pacemaker.history_differ import service_state
from harness.pacemaker.lab import PacemakerLab
from harness.pacemaker.observe import Snapshot
from harness.pacemaker.poller import Poller
from harness.scenario.backend import Run
from harness.scenario.spec import Scenario, Step

OPERATOR_TOOLS = ("fence_node", "fence_ack_manual", "clusvcadm", "clustat", "cman_tool")


def translate_command(argv: list[str]) -> list[str] | str:
    """The Pacemaker command line (run by ``sh -c`` inside a node) for a bundled operator command, or why
    there is none (one line)."""
    if not argv:
        return "an empty command"
    tool, args = argv[0], argv[1:]
    if tool == "fence_node" and len(args) == 1:
        return ["stonith_admin", "--reboot", args[0]]
    if tool == "fence_ack_manual" and args:
        return ["stonith_admin", "--confirm", args[-1]]
    if tool == "clustat":
        return ["crm_mon", "-1"]
    if tool == "cman_tool" and args[:2] == ["expected", "-e"] and len(args) == 3:
        return ["corosync-quorumtool", "-e", args[2]]
    if tool == "clusvcadm" and len(args) >= 2 and args[0] in ("-r", "-d", "-e"):
        service = args[1].removeprefix("service:")
        node = args[args.index("-m") + 1] if "-m" in args[2:-1] else None
        if args[0] == "-r":
            move = ["crm_resource", "--move", "--resource", service] + (["--node", node] if node else [])
            settle = ["crm_resource", "--wait", "--timeout", "60"]
            clear = ["crm_resource", "--clear", "--resource", service]
            return ["sh", "-c", " && ".join(shlex.join(c) for c in (move, settle)) + "; " + shlex.join(clear)]
        role = "Stopped" if args[0] == "-d" else "Started"
        return ["crm_resource", "--resource", service, "--meta", "--set-parameter", "target-role",
                "--parameter-value", role]  # fmt: skip
    return f"{' '.join(argv)} has no Pacemaker equivalent here (bundled stack only)"


class PacemakerBackend:
    name = "pacemaker"

    def __init__(self, scenario: Scenario, root: Path) -> None:
        self.scenario = scenario
        self.root = root
        self.lab: PacemakerLab = PacemakerLab(scenario.conf, root / "lab")
        self.poller: Poller | None = None

    # ---- the lab -----------------------------------------------------------------------------------------
    def unsupported(self, step: Step) -> str | None:
        if step.do == "run":
            why = translate_command(str(step.get("command")).split())
            return why if isinstance(why, str) else None
        if step.do == "partition":
            return netfaults_supported()
        if step.do == "restart-cluster" and not step.get("power", False):
            return "a clean leave of the whole cluster is the bundled stack's (cman_tool leave)"
        if self.scenario.machines is False:
            return "the Pacemaker lab's nodes are machines (root); this scenario asks for loopback nodes"
        return None

    def start(self) -> None:
        if self.scenario.www is not None:
            from harness.pacemaker.scenario_www import write_www_conf

            self.lab = PacemakerLab(write_www_conf(self.root, **self.scenario.www), self.root / "lab")
        self.lab.start()
        raw = os.environ.get("FENCELAB_PCMK_RAW")  # keep every crm_mon answer there (fixtures, debugging)
        self.poller = Poller(self.lab, self.root / "pacemaker.events.jsonl", raw=Path(raw) if raw else None)
        self.poller.start()

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.close()
        self.lab.stop()

    def streams(self) -> list[Path]:
        return [self.poller.path] if self.poller is not None else []

    # ---- faults and commands -----------------------------------------------------------------------------
    def kill_daemon(self, node: str) -> None:
        assert self.lab.net is not None
        pid = self.lab.net.host_pid(self.lab.nodeid(node), "corosync -f")
        if pid:
            os.kill(pid, signal.SIGKILL)

    def partition(self, r: Run, groups: list[list[str]]) -> None:
        """Each node drops every packet to and from the nodes outside its group (nft in its namespace,
        harness.netfault); the hub (the fence devices) stays reachable, as with the bundled daemons' drop."""
        assert self.lab.net is not None and self.lab.plan is not None
        if r.netfaults is None:
            r.netfaults = NetFaults()
        everyone = set(self.lab.plan.nodes.values())
        for group in groups:
            for node in group:
                r.emit("fault", target=node, fault="partition", hears=group)
                others = [self.lab.address(n) for n in sorted(everyone - set(group))]
                if others:
                    netns = self.lab.net.nodes[self.lab.nodeid(node)].name
                    r.netfaults.loss(netns, others, 100.0)

    def heal(self, r: Run) -> None:
        """The runner's network heal removed the partition's rules (harness.scenario.network_steps)."""

    def operator(self, node: str, argv: list[str], step: Step) -> subprocess.CompletedProcess[str]:
        command = translate_command(argv)
        assert not isinstance(command, str), command  # unsupported() refused it before the lab was built
        return self.lab.node_tool(node, *command, timeout=float(step.get("timeout", 60)))

    # ---- what the stack says (expectations) --------------------------------------------------------------
    def _views(self) -> dict[str, Snapshot]:
        assert self.poller is not None and self.lab.plan is not None
        views = {n: self.poller.latest(n) for n in self.lab.plan.nodes.values()}
        return {n: s for n, s in views.items() if s is not None}

    def member(self, target: str) -> tuple[bool, str]:
        views = self._views()
        missing = [n for n, s in views.items() if target not in s.online]
        if not views:
            return False, "no node's crm_mon answers"
        if target not in views:  # survivors' CIBs can still list a node being fenced as online
            return False, f"{target}'s own stack does not answer"
        if missing:
            return False, f"{target} not online for {', '.join(missing)}"
        return True, f"online for {', '.join(sorted(views))}"

    def quorate(self, node: str) -> tuple[bool, str]:
        snap = self._views().get(node)
        if snap is None:
            return False, f"{node}'s crm_mon does not answer"
        return bool(snap.quorate), f"{node} {'is' if snap.quorate else 'is not'} quorate (DC {snap.dc})"

    def service(self, want: str, node: str, restarts: int) -> tuple[bool, str]:
        gid = want.removeprefix("service:")
        for asked, snap in sorted(self._views().items(), key=lambda v: v[1].dc != v[0]):  # the DC first
            members = snap.groups.get(gid, (gid,))
            resources = [r for r in snap.resources if r.id in members]
            if not resources or snap.dc is None:
                continue
            state, owner = service_state(resources)
            failures = max((snap.fail_counts.get((node, m), 0) for m in members), default=0)
            ok = state == "started" and owner == node and failures >= restarts
            return ok, f"{gid} {state} on {owner}, {failures} failures there (as {asked}'s crm_mon shows it)"
        return False, f"no node's crm_mon shows {gid}"

    def __repr__(self) -> str:
        return f"<PacemakerBackend {self.lab.root}>"
