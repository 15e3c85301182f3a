"""A lab on real Corosync 3 + Pacemaker 2.1: the same devices, power board and network as the bundled lab
(harness.lab_up.ConfLab), nodes running the real stack with our agents as its fencing.

``PacemakerLab(conf, root).start()`` translates the cluster.conf (harness.pacemaker.translate) before
anything starts, so a feature Pacemaker cannot express is one line and nothing to clean up. Then it builds
the lab as ConfLab does; before the first node boots it installs our agents (once per process, shared by its
labs: a world-readable virtualenv in its own /tmp directory, since the controller reads agent metadata as
``hacluster``, who cannot enter a root-only lab directory), writes the starting CIB with the real tools
(harness.pacemaker.cib) and gives every node its own cluster directories (see harness.pacemaker.node_stack,
the program the node's power runs). It returns when every node sees a DC and every node online in
``crm_mon``, or tears the lab down naming the node that did not come up, with its last log lines.
``stop()`` stops every node's stack in order (pacemakerd, then corosync), then everything else.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lxml import etree

from harness.agent_install import install
from harness.lab_up import ConfLab, LabError
from harness.machines import HUB_ADDRESS
from harness.pacemaker.node_stack import COROSYNC_STOP, PACEMAKER_STOP
from harness.pacemaker.observe import ObserveError, Snapshot, parse_crm_mon
from harness.waiting import wait_for

USER, GROUP = "hacluster", "haclient"
AGENTS_PREFIX = "fl-agents-"
# (path in the node, owner, mode) of the per-node directories, as the Debian packages make them
NODE_DIRS = (
    ("/etc/corosync", None, 0o755),
    ("/var/lib/corosync", None, 0o755),
    ("/var/log/corosync", None, 0o755),
    ("/var/lib/pacemaker", None, 0o755),
    ("/var/lib/pacemaker/cib", USER, 0o750),
    ("/var/lib/pacemaker/pengine", USER, 0o750),
    ("/var/lib/pacemaker/blackbox", USER, 0o750),
    ("/var/lib/pacemaker/cores", USER, 0o750),
    ("/var/log/pacemaker", USER, 0o770),
    ("/var/log/pacemaker/bundles", USER, 0o770),
    ("/dev/shm", None, 0o1777),
)
BINDS = (
    "/etc/corosync",
    "/var/lib/corosync",
    "/var/log/corosync",
    "/var/lib/pacemaker",
    "/var/log/pacemaker",
    "/dev/shm",
)
STACK_TOOLS = ("corosync", "corosync-quorumtool", "pacemakerd", "crm_mon", "cibadmin", "nsenter", "runuser")
PACEMAKER_LOG = "/var/log/pacemaker/pacemaker.log"
COROSYNC_LOG = "/var/log/corosync/corosync.log"


def sweep_agent_dirs() -> None:
    """Remove the agent installs of labs that were killed before they cleaned up (their pid is gone)."""
    for entry in Path(tempfile.gettempdir()).glob(f"{AGENTS_PREFIX}*"):
        pid = entry.name[len(AGENTS_PREFIX) :].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(entry, ignore_errors=True)


_installed: dict[int, tuple[Path, dict[str, str]]] = {}  # pid -> this process's agent install


def shared_agents() -> tuple[Path, dict[str, str]]:
    """Our agents installed once per process (every lab of a test session shares them): the sbin directory
    of a world-readable install in /tmp, and agent name -> installed name (fence_ipmilan_fencelab: a stock
    agent keeps its name). Removed when the process exits; a killed process's is swept by the next one."""
    pid = os.getpid()
    if pid in _installed and _installed[pid][0].is_dir():
        return _installed[pid]
    sweep_agent_dirs()
    top = Path(tempfile.mkdtemp(prefix=f"{AGENTS_PREFIX}{pid}-"))
    os.chmod(top, 0o755)  # hacluster runs the wrappers and their interpreter from here
    (top / "sbin").mkdir()
    try:
        done = install(top, top / "lib")
    except Exception as err:
        shutil.rmtree(top, ignore_errors=True)
        raise LabError(f"installing our agents for the lab failed: {err}") from None
    atexit.register(shutil.rmtree, top, True)
    _installed[pid] = (top / "sbin", {agent: Path(path).name for path, agent in done.wrappers.items()})
    return _installed[pid]


class PacemakerLab(ConfLab):
    backend = "pacemaker"

    def __init__(
        self, conf_path: str | Path, root: str | Path, boot_timeout: float = 60.0, dc_deadtime: str = "2s"
    ) -> None:
        super().__init__(conf_path, root, machines=True, boot_timeout=boot_timeout)
        self.dc_deadtime = dc_deadtime
        self.agents_dir: Path | None = None  # the sbin directory of our agents' install
        self.agent_names: dict[str, str] = {}
        self.pcmk: Any = None  # the PacemakerPlan the lab runs
        self.timings: dict[str, float] = {}
        self.up = False  # every node came up: a stop is orderly (a failed start is killed at once)

    # ---- building -------------------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        from cluster.config import load_cluster_conf

        for tool in STACK_TOOLS:
            if shutil.which(tool) is None:
                raise LabError(
                    f"the Pacemaker backend needs {tool} (Debian: apt-get install pacemaker corosync)"
                )
        try:
            conf = load_cluster_conf(self.source)
        except Exception as err:  # ConfigError and OSError both say what is wrong in one line
            raise LabError(str(err).splitlines()[0]) from None
        self._translate(conf, {fd.name: (HUB_ADDRESS, 1) for fd in conf.fencedevices})  # before anything
        began = time.monotonic()
        info = super().start()
        self.timings["up"] = time.monotonic() - began
        return info

    def _translate(self, conf: Any, endpoints: dict[str, tuple[str, int]]) -> Any:
        from harness.lab_plan import plan_lab
        from harness.machines import node_address
        from harness.pacemaker.translate import TranslateError, translate

        addresses = {name: node_address(n) for n, name in plan_lab(conf).nodes.items()}
        try:
            return translate(conf, endpoints, addresses, self.agent_names or None, self.dc_deadtime)
        except TranslateError as err:
            raise LabError(str(err).splitlines()[0]) from None

    def _before_boot(self) -> None:
        from harness.pacemaker.cib import CibError, build_cib

        assert self.plan is not None and self.conf is not None
        self._install_agents()
        self.pcmk = self._translate(self.conf, self._endpoints())
        self.warnings += list(self.pcmk.warnings)
        cib = self.root / "cib.xml"
        try:
            build_cib(self.pcmk, cib)
        except CibError as err:
            raise LabError(str(err).splitlines()[0]) from None
        layers = self._node_file_layers()
        for name in self.plan.nodes.values():
            self._prepare_node(name, cib, layers)

    def _install_agents(self) -> None:
        began = time.monotonic()
        self.agents_dir, self.agent_names = shared_agents()
        self.timings["install_agents"] = time.monotonic() - began

    def _node_file_layers(self) -> dict[str, list[str]]:
        """Directory in the node -> the lab's layers over it: our agents over /usr/sbin, and the plan's
        node files (init scripts...) over their directories."""
        assert self.agents_dir is not None
        layers: dict[str, list[str]] = {"/usr/sbin": [str(self.agents_dir)]}
        for inside, host_file in sorted(self.pcmk.node_files.items()):
            parent = str(Path(inside).parent)
            layer = self.root / "layers" / parent.strip("/").replace("/", "-")
            layer.mkdir(parents=True, exist_ok=True)
            shutil.copy2(host_file, layer / Path(inside).name)
            if str(layer) not in layers.setdefault(parent, []):
                layers[parent].append(str(layer))
        return layers

    def _prepare_node(self, name: str, cib: Path, layers: dict[str, list[str]]) -> None:
        uid, gid = pwd.getpwnam(USER).pw_uid, grp.getgrnam(GROUP).gr_gid
        top = self.run_dir(name)
        for inside, owner, mode in NODE_DIRS:
            path = top / inside.lstrip("/")
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, uid if owner else 0, gid if owner else 0)
            os.chmod(path, mode)
        (top / "etc/corosync/corosync.conf").write_text(self.pcmk.corosync_conf)
        seed = top / "var/lib/pacemaker/cib/cib.xml"
        shutil.copyfile(cib, seed)
        os.chown(seed, uid, gid)
        os.chmod(seed, 0o600)
        setup = {
            "binds": {str(top / inside.lstrip("/")): inside for inside in BINDS},
            "overlays": layers,
            "env": {"PCMK_logfile": PACEMAKER_LOG},
            "timeout": self.boot_timeout,
        }
        (top / "setup.json").write_text(json.dumps(setup, indent=2) + "\n")

    def node_argv(self, name: str) -> list[str]:
        return [sys.executable, "-m", "harness.pacemaker.node_stack", str(self.run_dir(name) / "setup.json")]

    # ---- the stack's view -----------------------------------------------------------------------------
    def node_tool(self, name: str, *argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
        """A Pacemaker/Corosync tool run inside node ``name`` (its mounts and network)."""
        assert self.net is not None
        init = self.net.init_pid(self.nodeid(name))
        if init is None:
            raise LabError(f"{name} is not running")
        argv_in = ["nsenter", "-t", str(init), "-m", "-n", "--", *argv]
        return subprocess.run(argv_in, capture_output=True, text=True, timeout=timeout)

    def status(self, name: str) -> Snapshot | None:
        """What ``crm_mon`` shows on node ``name``; None while it cannot connect."""
        asked = time.time()
        try:
            done = self.node_tool(name, "crm_mon", "-1", "--output-as=xml", timeout=10)
        except (LabError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        try:
            return parse_crm_mon(done.stdout, time.time(), name, asked)
        except ObserveError:
            return None

    def check_agents(self, name: str) -> None:
        """Every agent the CIB names answers metadata as hacluster inside node ``name`` (the controller
        reads it so)."""
        agents = self._cib_agents()
        if not agents:
            raise LabError("the CIB has no stonith resource: Pacemaker would fence nothing")
        for agent in sorted(agents):
            done = self.node_tool(name, "runuser", "-u", USER, "--", f"/usr/sbin/{agent}", "-o", "metadata")
            if done.returncode != 0 or not done.stdout.startswith("<?xml"):
                last = (done.stderr.strip().splitlines() or ["no metadata"])[-1]
                raise LabError(f"{name}: /usr/sbin/{agent} -o metadata as {USER} failed: {last}")

    def _cib_agents(self) -> set[str]:
        """The agents of the plan's stonith primitives."""
        found = set()
        for text in self.pcmk.resources:
            root = etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
            found |= {el.get("type", "") for el in root.iter("primitive") if el.get("class") == "stonith"}
        return found

    def _wait_members(self) -> None:
        assert self.plan is not None
        names = list(self.plan.nodes.values())
        deadline = time.monotonic() + self.boot_timeout
        for name in names:

            def ready(node: str = name) -> bool:
                view = self.status(node)
                return view is not None and view.ready(names)

            try:
                wait_for(
                    f"{name} to see a DC and every node online", ready, max(deadline - time.monotonic(), 0.1)
                )
            except AssertionError:
                raise LabError(
                    f"{name} did not come up within {self.boot_timeout:g} s{self._last_lines(name)}"
                ) from None
        self.check_agents(names[0])
        self.up = True

    def _last_lines(self, name: str, count: int = 5) -> str:
        lines: list[str] = []
        top = self.run_dir(name)
        for path in (
            self.root / f"{name}.err",
            top / self._corosync_log().lstrip("/"),
            top / PACEMAKER_LOG.lstrip("/"),
        ):
            if path.exists():
                lines += [
                    f"{path.name}: {line}" for line in path.read_text(errors="replace").splitlines()[-count:]
                ]
        return ("; last lines: " + " | ".join(lines)) if lines else ""

    def _corosync_log(self) -> str:
        match = re.search(r"^\s*logfile:\s*(\S+)", self.pcmk.corosync_conf if self.pcmk else "", re.M)
        return match.group(1) if match else COROSYNC_LOG

    def node_pid(self, name: str) -> int | None:
        """The host pid of the node's pacemakerd."""
        if self.net is None:
            return None
        return self.net.host_pid(self.nodeid(name), "pacemakerd")

    def power_on(self, name: str) -> None:
        """Boot a node no outlet powers (a lab-powered node, e.g. fenced only on the fabric)."""
        self._boot(name)

    def power_off(self, name: str) -> None:
        """Cut a lab-powered node's power: its machine dies and its network forgets its addresses."""
        self._cut(name)

    def crash(self, name: str) -> None:
        """Every process of the node's machine dies at once; its outlets stay on (the cluster must fence)."""
        assert self.net is not None
        nodeid = self.nodeid(name)
        while pids := self.net.node_pids(nodeid):
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            proc = self.procs.get(name)
            if proc is not None:
                proc.wait(timeout=10)

    def ready_info(self) -> dict[str, Any]:
        info = super().ready_info()
        if self.agents_dir is not None:
            info["agents"] = str(self.agents_dir)
        return info

    # ---- teardown -------------------------------------------------------------------------------------
    def stop(self) -> None:
        try:
            self._stop_stacks()
        finally:
            super().stop()

    def _stop_stacks(self) -> None:
        """SIGTERM every node's PID 1 (it passes it to node_stack: pacemakerd, then corosync, each with its
        deadline); wait for the machines to end. What is left, ConfLab.stop kills."""
        if self.net is None or self.plan is None or not self.up:
            return
        self.up = False
        running = [name for name, proc in self.procs.items() if proc.poll() is None]
        for name in running:
            init = self.net.init_pid(self.nodeid(name))
            if init is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(init, signal.SIGTERM)
        deadline = time.monotonic() + PACEMAKER_STOP + COROSYNC_STOP + 5
        for name in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.procs[name].wait(timeout=max(deadline - time.monotonic(), 0.1))
