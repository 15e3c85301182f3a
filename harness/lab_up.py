"""A running lab from any cluster.conf: its fence devices emulated, its nodes booted, one JSON ready line.

``ConfLab(conf).start()`` plans the lab (harness.lab_plan), builds the network when nodes are machines
(harness.machines; as root by default), starts one emulator per device with the conf's own credentials,
rewrites only what must change in a copy of the conf (each fencedevice's address and port, the cman port
of a loopback lab), and lets the devices' outlets boot the nodes through the power board. It returns when
every node is a member, or tears everything down and says which node did not come up, with its last log
lines. ``stop()`` removes everything it made: processes, namespaces, sockets.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from lxml import etree

from cluster.config import load_cluster_conf
from cluster.config.model import ClusterConf
from cluster.daemon.control import ControlError, request
from harness.emulator_process import Emulator, start_emulator
from harness.lab import free_udp_port
from harness.lab_plan import DevicePlan, LabPlan, bmc_config, nps_config, plan_lab, san_config
from harness.machines import HUB_ADDRESS, Network, machines_supported, sweep_leftovers
from harness.machines import node_address as machine_address
from harness.namespaces import die_with_parent
from harness.power_board import PowerBoard
from harness.waiting import wait_for


def _walk(root: Any) -> list[Any]:
    found, todo = [], [root]
    while todo:
        el = todo.pop()
        found.append(el)
        todo += list(el.children)
    return found


class LabError(RuntimeError):
    """The lab could not be built or did not come up; one line (plus a node's last log lines)."""


class ConfLab:
    backend = "bundled"  # the cluster stack the nodes run (the ready line says which)

    def __init__(
        self,
        conf_path: str | Path,
        root: str | Path,
        machines: bool | None = None,
        agent_timeout: float = 60.0,
        boot_timeout: float = 60.0,
    ) -> None:
        self.source = Path(conf_path)
        self.root = Path(root)
        self.machines = machines_supported() is None if machines is None else machines
        self.agent_timeout = agent_timeout
        self.boot_timeout = boot_timeout
        self.conf_path = self.root / "cluster.conf"
        self.net: Network | None = None
        self.board: PowerBoard | None = None
        self.devices: dict[str, Emulator] = {}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._sockdir = ""
        self.conf: ClusterConf | None = None
        self.plan: LabPlan | None = None
        self.warnings: list[str] = []

    # ---- building -------------------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        if self.board is not None:
            raise LabError("this lab is already running")
        try:
            source_conf = load_cluster_conf(self.source)
        except Exception as err:  # ConfigError and OSError both say what is wrong in one line
            raise LabError(str(err).splitlines()[0]) from None
        self.plan = plan_lab(source_conf)
        self.conf = source_conf
        self.warnings = self._warnings(source_conf)
        if self.machines:
            why = machines_supported()
            if why:
                raise LabError(why)
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            self._build()
            self._wait_members()
        except BaseException:
            self.stop()
            raise
        return self.ready_info()

    def _build(self) -> None:
        assert self.plan is not None
        if self.machines:
            sweep_leftovers()
            self.net = Network(self.plan.nodes)
        self._sockdir = tempfile.mkdtemp(
            prefix="fl-lab-"
        )  # short: unix socket paths are limited to 108 bytes
        sock = str(Path(self._sockdir) / "power.sock")
        self.board = PowerBoard(Path(sock), self.plan.feeds(), self._boot, self._cut)
        wire = {
            f.id: [sys.executable, "-m", "harness.power_feed", sock, f.node, f.id]
            for d in self.plan.devices
            for f in d.feeds
        }
        self._start_devices(wire)  # outlets come up on, but the board holds the nodes...
        self._write_conf(self._endpoints())
        self._before_boot()
        self.board.arm()  # ...until their conf points at the devices
        for name, feeds in self.plan.feeds().items():  # a node no outlet powers is powered by the lab
            if not feeds:
                self._boot(name)

    def _before_boot(self) -> None:
        """What a backend prepares once the devices answer and before any node boots (nothing here)."""

    def _warnings(self, conf: ClusterConf) -> list[str]:
        """What a loopback lab cannot do for this conf (said in the ready line and on stderr)."""
        if self.machines or conf.rm is None:
            return []
        kinds = {el.tag for el in _walk(conf.rm)} & {"ip", "fs"}
        if not kinds:
            return []
        why = machines_supported() or "machines were not asked for"
        return [
            f"nodes are on loopback ({why}): {' and '.join(sorted(kinds))} resources need nodes that are "
            "machines (root), their services will not start"
        ]

    @property
    def device_host(self) -> str:
        return HUB_ADDRESS if self.machines else "127.0.0.1"

    def events_file(self, device: str) -> Path:
        """Where a device writes its ground truth (docs/events.md); a BMC fleet shares one file."""
        return self.root / "devices" / f"{device}.events.jsonl"

    def _start_devices(self, wire: dict[str, list[str]]) -> None:
        assert self.plan is not None
        prefix = self.net.in_hub([]) if self.net else []
        (self.root / "devices").mkdir(parents=True, exist_ok=True)
        bmcs = [d for d in self.plan.devices if d.kind == "bmc"]
        for device in self.plan.devices:
            named = {"name": device.name, "events": str(self.events_file(device.name))}
            if device.kind == "nps":
                config = {**nps_config(device, self.device_host, wire), **named}
                self.devices[device.name] = start_emulator("nps", config, prefix=prefix)
            elif device.kind == "san":
                config = {**san_config(device, self.device_host), **named}
                self.devices[device.name] = start_emulator("san", config, prefix=prefix)
        if bmcs:
            config = {**bmc_config(bmcs, self.device_host, wire), "events": str(self.events_file("bmc"))}
            fleet = start_emulator("bmc", config, prefix=prefix, timeout=20)
            for device in bmcs:
                self.devices[device.name] = fleet

    def _endpoints(self) -> dict[str, tuple[str, int]]:
        """fencedevice name -> (address, port) where its emulator answers."""
        assert self.plan is not None
        out = {}
        for device in self.plan.devices:
            emu = self.devices[device.name]
            out[device.name] = (self.device_host, self._device_port(device, emu))
        return out

    @staticmethod
    def _device_port(device: DevicePlan, emu: Emulator) -> int:
        if device.kind == "bmc":
            return int(emu.ports[device.name])
        if device.kind == "san":
            return int(emu.ports["snmp" if device.agent == "fence_ifmib" else "telnet"])
        secure = device.attrs.get("secure") in ("1", "on", "yes")
        return int(emu.ports["ssh" if secure else "telnet"])

    def _write_conf(self, endpoints: dict[str, tuple[str, int]]) -> None:
        """The conf as given, with each fencedevice pointed at its emulator (and a free cman port)."""
        tree = etree.parse(str(self.source), etree.XMLParser(resolve_entities=False, no_network=True))
        for element in tree.iter("fencedevice"):
            name = element.get("name")
            if name in endpoints:
                address, port = endpoints[name]
                element.set("ip" if element.get("ip") and not element.get("ipaddr") else "ipaddr", address)
                element.set("ipport", str(port))
        if not self.machines:
            root = tree.getroot()
            cman = root.find("cman")
            if cman is None:
                cman = etree.SubElement(root, "cman")
            assert self.plan is not None
            cman.set("port", str(free_udp_port([f"127.0.0.{n}" for n in self.plan.nodes])))
        tree.write(str(self.conf_path), xml_declaration=True, encoding="UTF-8")
        self.conf = load_cluster_conf(self.conf_path)

    # ---- power ----------------------------------------------------------------------------------------
    def nodeid(self, name: str) -> int:
        assert self.plan is not None
        return next(n for n, v in self.plan.nodes.items() if v == name)

    def run_dir(self, name: str) -> Path:
        return self.root / name

    def address(self, name: str) -> str:
        n = self.nodeid(name)
        return machine_address(n) if self.machines else f"127.0.0.{n}"

    def node_argv(self, name: str) -> list[str]:
        return [
            str(Path(sys.executable).parent / "fencelab-node"),
            "-c",
            str(self.conf_path),
            "-n",
            name,
            "--run-dir",
            str(self.run_dir(name)),
            "--agent-timeout",
            str(self.agent_timeout),
        ]

    def _boot(self, name: str) -> None:
        old = self.procs.get(name)
        if old is not None and old.poll() is None:
            return
        err = shlex.quote(str(self.root / f"{name}.err"))
        shell = ["/bin/sh", "-c", f"exec {shlex.join(self.node_argv(name))} 2>>{err}"]
        argv = self.net.boot_argv(self.nodeid(name), shell) if self.net else shell
        self.procs[name] = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent,  # the node goes down with the lab
        )

    def start_node(self, name: str) -> None:
        """Start the stack of a node whose power is on but whose node daemon stopped (a clean leave)."""
        self._boot(name)

    def node_running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def _cut(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        if self.net is not None:
            self.net.power_off(self.nodeid(name))

    def power_cut(self, name: str) -> None:
        """Pull node ``name``'s plug by hand, as an operator does before fence_ack_manual: the machine is
        off (everything it ran is gone) until one of its outlets switches it on again."""
        self._cut(name)

    # ---- state ----------------------------------------------------------------------------------------
    def _wait_members(self) -> None:
        assert self.plan is not None
        names = list(self.plan.nodes.values())
        ids = sorted(self.plan.nodes)
        for name in names:

            def all_members(node: str = name) -> bool:
                return self._members(node) == ids

            try:
                wait_for(
                    f"{name} to see every node a member",
                    all_members,
                    self.boot_timeout,
                    retry_on=(ControlError, OSError),
                )
            except AssertionError:
                tail = self._last_lines(name)
                raise LabError(f"{name} did not come up within {self.boot_timeout:g} s{tail}") from None

    def _members(self, name: str) -> list[int]:
        nodes = request(self.run_dir(name), "nodes", timeout=2.0)["nodes"]
        return sorted(n["id"] for n in nodes if n["status"] == "M")

    def _last_lines(self, name: str, count: int = 5) -> str:
        lines: list[str] = []
        for path in (self.root / f"{name}.err", self.run_dir(name) / "var/log/cluster/corosync.log"):
            if path.exists():
                lines += path.read_text(errors="replace").splitlines()[-count:]
        return ("; last lines: " + " | ".join(lines)) if lines else ""

    def node_pid(self, name: str) -> int | None:
        if self.net is not None:
            return self.net.host_pid(self.nodeid(name), f"-n {name} ")
        proc = self.procs.get(name)
        return proc.pid if proc is not None and proc.poll() is None else None

    def ready_info(self) -> dict[str, Any]:
        assert self.plan is not None
        nodes = [
            {
                "name": name,
                "nodeid": n,
                "address": self.address(name),
                "run_dir": str(self.run_dir(name)),
                "pid": self.node_pid(name),
            }
            for n, name in sorted(self.plan.nodes.items())
        ]
        devices = [
            {
                "name": d.name,
                "kind": d.kind,
                "agent": d.agent,
                "host": self.device_host,
                "port": self._device_port(d, self.devices[d.name]),
                "pid": self.devices[d.name].pid,
                "plugs": {f.plug: f.node for f in d.feeds} or dict(d.hosts),
            }
            for d in self.plan.devices
        ]
        return {
            "lab": str(self.root),
            "backend": self.backend,
            "conf": str(self.conf_path),
            "machines": self.machines,
            "network": "192.0.2.0/24" if self.machines else "127.0.0.0/8",
            "pid": os.getpid(),
            "nodes": nodes,
            "devices": devices,
            "warnings": list(self.warnings),
        }

    # ---- teardown -------------------------------------------------------------------------------------
    def stop(self) -> None:
        if self.board is not None:
            self.board.close()
            self.board = None
        for emu in {id(e): e for e in self.devices.values()}.values():
            emu.stop()
        self.devices.clear()
        for name in list(self.procs):
            self._cut(name)
        self.procs.clear()
        if self.net is not None:
            self.net.close()
            self.net = None
        if self._sockdir:
            shutil.rmtree(self._sockdir, ignore_errors=True)
            self._sockdir = ""

    def __enter__(self) -> ConfLab:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
