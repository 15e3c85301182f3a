"""A whole cluster on one machine: :class:`ClusterLab`.

It writes a cluster.conf (nodes on 127.0.0.N, short token timeouts, fence_nps devices), starts an NPS emulator
whose plugs power the node daemons (plug off = SIGKILL of the node's process group, plug on = the node starts
again), and gives tests, the demo and the benchmark handles on both.
"""

from __future__ import annotations

import json
import os
import random
import select
import shlex
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cluster.daemon.control import ControlError, request
from cluster.daemon.names import HOSTS_ENV
from harness import waiting
from harness.ldap_server import LdapServer
from harness.machines import HUB_ADDRESS, Network, machines_supported
from harness.machines import node_address as machine_address
from harness.tools import our_tool, run

PASSWORD = "redhat123"


def wait_for(what: str, check: Callable[[], Any], timeout: float, interval: float = 0.02) -> Any:
    """:func:`harness.waiting.wait_for`, with a node daemon between states (ControlError) as "not yet"."""
    return waiting.wait_for(what, check, timeout, interval, retry_on=(ControlError,))


def free_udp_port(hosts: Sequence[str], span: int = 2) -> int:
    """A port P such that P..P+span-1 are free on every host (membership + peer channel)."""
    for _ in range(200):
        port = random.randrange(20000, 60000, 2)
        socks = []
        try:
            for host in hosts:
                for p in range(port, port + span):
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    socks.append(s)
                    s.bind((host, p))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free UDP port range found")


def default_fence(nodeid: int) -> str:
    return f'<method name="1"><device name="nps" port="{nodeid}"/></method>'


class ClusterLab:
    """``nodes`` node daemons powered by one emulated NPS. Use as a context manager."""

    def __init__(
        self,
        root: Path,
        nodes: int = 3,
        token_ms: int = 500,
        two_node: bool = False,
        fence_daemon: Mapping[str, str] | None = None,
        fence: Callable[[int], str] = default_fence,
        extra_devices: str = "",
        agent_timeout: float = 10.0,
        nps_options: Mapping[str, Any] | None = None,
        logging: str = '<logging to_syslog="no" to_logfile="yes" logfile_priority="debug"/>',
        machines: bool = False,
        ldap: LdapServer | None = None,
    ) -> None:
        self.root = Path(root)
        self.machines = machines  # nodes in their own namespaces on 192.0.2.0/24 (harness.machines)
        if machines and ldap is not None:  # the server listens on the host's 127.0.0.1 only
            raise ValueError("an LDAP lab runs its nodes on the host (machines=False)")
        self.net: Network | None = None
        self.count = nodes
        self.token_ms = token_ms
        self.two_node = two_node
        self.fence_daemon = {
            "post_join_delay": "1",
            "post_fail_delay": "0",
            "override_time": "1",
            **(fence_daemon or {}),
        }
        self.fence = fence
        self.extra_devices = extra_devices
        self.agent_timeout = agent_timeout
        self.nps_options = dict(nps_options or {})
        self.logging = logging
        self.conf_path = self.root / "cluster.conf"
        self.ldap = ldap  # given: the nodes load their configuration from this server (ldapconfig)
        self.hosts_path = self.root / "hosts"
        self.emulator: subprocess.Popen[str] | None = None
        self.nps: dict[str, Any] = {}
        self.port = 0

    # ---- names --------------------------------------------------------------------------------------
    def name(self, nodeid: int) -> str:
        return f"node{nodeid}"

    def run_dir(self, nodeid: int) -> Path:
        return self.root / self.name(nodeid)

    def ids(self) -> list[int]:
        return list(range(1, self.count + 1))

    @property
    def device_host(self) -> str:
        """Where the emulated devices listen: the hub of a machine lab, else loopback."""
        return HUB_ADDRESS if self.machines else "127.0.0.1"

    def address(self, nodeid: int) -> str:
        return machine_address(nodeid) if self.machines else f"127.0.0.{nodeid}"

    def on_network(self, argv: Sequence[str]) -> list[str]:
        """argv that runs a client where the nodes' network is (the hub namespace of a machine lab)."""
        return self.net.in_hub(argv) if self.net is not None else list(argv)

    # ---- set-up -------------------------------------------------------------------------------------
    def cluster_conf(self) -> str:
        cman = (
            f'<cman port="{self.port}"' + (' two_node="1" expected_votes="1"' if self.two_node else "") + "/>"
        )
        fd = " ".join(f'{k}="{v}"' for k, v in self.fence_daemon.items())
        nodes = "\n".join(
            f'    <clusternode name="{self.name(n)}" votes="1" nodeid="{n}">'
            f"<fence>{self.fence(n)}</fence></clusternode>"
            for n in self.ids()
        )
        telnet = self.nps.get("ports", {}).get("telnet", 0)
        return f"""<?xml version="1.0"?>
<cluster name="fencelab" config_version="1">
  {cman}
  <totem token="{self.token_ms}"/>
  <fence_daemon {fd}/>
  {self.logging}
  <clusternodes>
{nodes}
  </clusternodes>
  <fencedevices>
    <fencedevice name="nps" agent="fence_nps" ipaddr="{self.device_host}" ipport="{telnet}"
                 passwd="{PASSWORD}"/>
    {self.extra_devices}
  </fencedevices>
</cluster>
"""

    def source_argv(self) -> list[str]:
        """The nodes' configuration: cluster.conf, or the LDAP server it was published to."""
        if self.ldap is None:
            return ["-c", str(self.conf_path)]
        return ["-C", "ldapconfig", "--ldap-url", self.ldap.url, "--ldap-basedn", self.ldap.suffix]

    def publish_ldap(self, since: Path | None = None) -> None:
        """The article's workflow: ``confdb2ldif BASEDN > cluster.ldif``, then ``ldapadd -c`` (the repeated
        containers confdb2ldif prints already exist); with ``since``, ``--since OLD`` and ``ldapmodify``."""
        assert self.ldap is not None
        argv = [our_tool("confdb2ldif"), self.ldap.suffix, "-f", str(self.conf_path)]
        argv += ["--since", str(since)] if since else []
        made = run(argv, timeout=30)
        if made.returncode != 0:
            raise RuntimeError(f"confdb2ldif failed: {made.stderr.strip()}")
        (self.root / "cluster.ldif").write_text(made.stdout)
        if since:
            done = self.ldap.ldap_tool("ldapmodify", "-f", str(self.root / "cluster.ldif"))
        else:
            done = self.ldap.ldap_tool("ldapadd", "-c", "-f", str(self.root / "cluster.ldif"))
        errors = [line for line in done.stderr.splitlines() if line.startswith("ldap_")]
        failures = [line for line in errors if "(68)" not in line]  # 68: already exists
        if failures or (since and done.returncode != 0):
            raise RuntimeError(f"{'ldapmodify' if since else 'ldapadd'} failed: {' '.join(failures)}")

    def node_argv(self, nodeid: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "cluster.daemon",
            *self.source_argv(),
            "-n",
            self.name(nodeid),
            "--run-dir",
            str(self.run_dir(nodeid)),
            "--agent-timeout",
            str(self.agent_timeout),
        ]

    def _nps_toml(self) -> str:
        lines = [f'password = "{PASSWORD}"', "relay_delay = 0.02", "boot_delay = 0.2", "ssh_port = false"]
        lines.append(f'host = "{self.device_host}"')
        lines.append(f"events = {json.dumps(str(self.device_events_path))}")  # ground truth: docs/events.md
        lines += [f"{k} = {json.dumps(v)}" for k, v in self.nps_options.items()]
        for n in self.ids():
            # exec keeps one process (the plug kills its group); stderr kept for post-mortems
            err = shlex.quote(str(self.root / f"{self.name(n)}.err"))
            hosts = shlex.quote(str(self.hosts_path))  # names from the lab's own file: never DNS
            shell = f"{HOSTS_ENV}={hosts} exec {shlex.join(self.node_argv(n))} 2>>{err}"
            boot = ["/bin/sh", "-c", shell]
            lines += [
                "[[plugs]]",
                f'name = "{self.name(n)}"',
                'state = "off"',
                f"wire = {json.dumps(self.net.boot_argv(n, boot) if self.net else boot)}",
            ]
        return "\n".join(lines) + "\n"

    def start(self, power_on: bool = True) -> ClusterLab:
        """Start the NPS and (``power_on``) every node. A lab runs once at a time: starting it again
        while it runs would orphan the first emulator and the node daemons it powers."""
        if self.emulator is not None:
            raise RuntimeError(f"ClusterLab in {self.root} is already started: stop() it first")
        self.root.mkdir(parents=True, exist_ok=True)
        if self.machines:
            why = machines_supported()
            if why:
                raise RuntimeError(why)
            self.net = Network({n: self.name(n) for n in self.ids()})
            self.port = 5405  # every node has a network of its own: cman's default port is free
        else:
            self.port = free_udp_port([self.address(n) for n in self.ids()])
        self.hosts_path.write_text("".join(f"{self.address(n)} {self.name(n)}\n" for n in self.ids()))
        (self.root / "nps.toml").write_text(self._nps_toml())
        err = open(self.root / "nps.err", "w")  # noqa: SIM115 - the emulator's stderr
        emulate = [
            sys.executable,
            "-m",
            "harness.cli",
            "emulate",
            "nps",
            "--config",
            str(self.root / "nps.toml"),
        ]
        self.emulator = subprocess.Popen(
            self.on_network(emulate),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        )
        err.close()
        try:
            assert self.emulator.stdout is not None
            ready, _, _ = select.select([self.emulator.stdout], [], [], 15.0)  # the ready line, deadline
            line = self.emulator.stdout.readline() if ready else ""
            if not line:
                raise RuntimeError(f"NPS emulator did not start: {(self.root / 'nps.err').read_text()}")
            self.nps = json.loads(line)
            self.conf_path.write_text(self.cluster_conf())
            if self.ldap is not None:
                self.publish_ldap()
            if power_on:
                for n in self.ids():
                    self.power(n, "on")
        except BaseException:
            self.stop()  # a half-started lab leaves nothing running (``with`` never reaches __exit__)
            raise
        return self

    def __enter__(self) -> ClusterLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.emulator is not None and self.emulator.poll() is None:
            self.emulator.terminate()  # its wiring SIGKILLs every node it powers
            try:
                self.emulator.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.emulator.pid, signal.SIGKILL)
                self.emulator.wait(5)
        self.emulator = None
        if self.net is not None:  # kills whatever still runs in the nodes' namespaces, then removes them
            self.net.close()
            self.net = None
        for n in self.ids():  # a node started outside the wiring (cman_tool join) may remain
            pid = self.pid(n)
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # ---- actions ------------------------------------------------------------------------------------
    def agent_stdin(self, nodeid: int, action: str) -> str:
        return (
            f"ipaddr={self.device_host}\nipport={self.nps['ports']['telnet']}\npasswd={PASSWORD}\n"
            f"port={nodeid}\naction={action}\n"
        )

    def power(self, nodeid: int, action: str) -> subprocess.CompletedProcess[str]:
        """Operate a node's plug through the real fence_nps (on, off, status, reboot)."""
        agent = str(Path(sys.executable).parent / "fence_nps")
        return subprocess.run(
            self.on_network([agent]),
            input=self.agent_stdin(nodeid, action),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def ask(self, nodeid: int, cmd: str, timeout: float = 5.0, **args: Any) -> dict[str, Any]:
        return request(self.run_dir(nodeid), cmd, timeout=timeout, **args)

    def pid(self, nodeid: int) -> int | None:
        """The node daemon's pid as this machine sees it."""
        if self.net is not None:
            return self.net.host_pid(nodeid, f"-n {self.name(nodeid)} ")
        try:
            return int((self.run_dir(nodeid) / "node.pid").read_text())
        except (OSError, ValueError):
            return None

    def status(self, nodeid: int) -> dict[str, Any]:
        return self.ask(nodeid, "status")["status"]

    def members(self, nodeid: int) -> list[int]:
        return sorted(n["id"] for n in self.ask(nodeid, "nodes")["nodes"] if n["status"] == "M")

    def wait_members(self, nodeids: Sequence[int], members: Sequence[int], timeout: float = 15.0) -> None:
        want = sorted(members)
        for n in nodeids:
            wait_for(f"node{n} to see members {want}", lambda: self.members(n) == want, timeout)  # noqa: B023

    def wait_up(self, timeout: float = 20.0) -> None:
        self.wait_members(self.ids(), self.ids(), timeout)

    def history(self, nodeid: int, victim: str | None = None) -> list[dict[str, Any]]:
        return self.ask(nodeid, "fence_history", node=victim)["history"]

    @property
    def device_events_path(self) -> Path:
        return self.root / "nps-events.jsonl"

    def device_events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The NPS's event stream (its outlets as they really switched: docs/events.md), oldest first."""
        try:
            text = self.device_events_path.read_text()
        except FileNotFoundError:
            return []
        events = [json.loads(line) for line in text.splitlines() if line.endswith("}")]
        return [e for e in events if kind is None or e["kind"] == kind]

    def events(self, nodeid: int, kind: str | None = None) -> list[dict[str, Any]]:
        """The node daemon's event stream (docs/events.md), every life of the node, oldest first."""
        try:
            text = (self.run_dir(nodeid) / "events.jsonl").read_text()
        except OSError:
            return []
        events = [json.loads(line) for line in text.splitlines() if line.endswith("}")]
        return [e for e in events if kind is None or e["kind"] == kind]

    def fence_log(self, nodeid: int) -> str:
        path = self.run_dir(nodeid) / "var/log/cluster/fenced.log"
        return path.read_text() if path.exists() else ""

    def rss_kib(self, nodeid: int) -> int:
        pid = self.pid(nodeid)
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0
