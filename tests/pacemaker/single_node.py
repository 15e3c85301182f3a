"""A throwaway single-node Corosync 3 + Pacemaker 2.1 (reference/pacemaker-lab.md) for capturing real output.

The node runs in its own network namespace (``fl-pcap-<pid>-<n>``, loopback only) and a private mount
namespace that gives it its own /etc/corosync, /var/lib/{corosync,pacemaker}, /var/log/{corosync,pacemaker},
a tmpfs /run, and an overlay over /usr/sbin holding our agents (``fencelab install-agents --prefix``): the
machine's own /usr/sbin and any other lab's state are never touched. The cluster configures a second node,
``ghost``, that never comes up; ``fence_nps`` against our NPS emulator (in the same network namespace)
fences it, once by itself (startup fencing of an unseen node) and on demand (``stonith_admin``).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness.emulator_process import Emulator, start_emulator
from harness.namespaces import MountNamespace, NetNamespace
from harness.tools import our_tool
from harness.waiting import wait_for

PASSWORD = "capture-secret"
GHOST_PLUG = "2"
APP_STATE = "/run/www-app.state"  # Dummy's state file: removing it fails www-app's monitor
COROSYNC_CONF = """totem {
    version: 2
    cluster_name: capture
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 1000
}
quorum {
    provider: corosync_votequorum
    two_node: 1
    wait_for_all: 0
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
}
nodelist {
    node {
        name: node1
        nodeid: 1
        ring0_addr: 127.0.0.1
    }
    node {
        name: ghost
        nodeid: 2
        ring0_addr: 127.0.0.2
    }
}
"""
PRIVATE = {  # path in the node -> owned by hacluster
    "/etc/corosync": False,
    "/var/lib/corosync": False,
    "/var/log/corosync": False,
    "/var/lib/pacemaker": True,
    "/var/log/pacemaker": True,
}


class SingleNode:
    """``start()`` brings node1 up with a DC; ``tool(...)`` runs a CLI inside; ``stop()`` removes it all."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.share = Path(tempfile.mkdtemp(prefix="fl-pcap-"))  # hacluster must read the agents' venv
        self.share.chmod(0o755)
        self.net: NetNamespace | None = None
        self.mnt: MountNamespace | None = None
        self.nps: Emulator | None = None
        self.procs: list[subprocess.Popen[bytes]] = []

    # ---- running things inside ---------------------------------------------------------------------------
    def inside(self, argv: list[str]) -> list[str]:
        assert self.mnt is not None
        return self.mnt.exec_argv(argv)

    def tool(self, *argv: str, timeout: float = 30.0, env: dict[str, str] | None = None) -> str:
        """A Pacemaker CLI run inside the node; its stdout (it must succeed)."""
        done = subprocess.run(self.inside(list(argv)), capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[-300:]}")
        return done.stdout

    def _mount(self, *argv: str) -> None:
        subprocess.run(self.inside(["mount", *argv]), check=True, timeout=10, capture_output=True)

    # ---- bringing it up --------------------------------------------------------------------------------
    def start(self, boot_timeout: float = 40.0, on_pacemakerd: Callable[[], object] | None = None) -> None:
        """Up with a DC; ``on_pacemakerd`` (instead of that wait) runs as soon as pacemakerd is started."""
        try:
            self._build()
            self._boot(boot_timeout, on_pacemakerd)
        except BaseException:
            self.stop()
            raise

    def _build(self) -> None:
        prefix, libdir = self.share / "prefix", self.share / "lib"
        (prefix / "sbin").mkdir(parents=True)
        subprocess.run([our_tool("fencelab"), "install-agents", "--prefix", str(prefix),
                        "--libdir", str(libdir)], check=True, capture_output=True, timeout=120)  # fmt: skip
        self.net = NetNamespace("pcap")
        self.mnt = MountNamespace(self.net)
        uid, gid = pwd.getpwnam("hacluster").pw_uid, grp.getgrnam("haclient").gr_gid
        for path, hacluster in PRIVATE.items():
            private = self.root / path.strip("/").replace("/", "-")
            private.mkdir(parents=True)
            if hacluster:
                for sub in ("cib", "pengine", "blackbox", "cores"):
                    (private / sub).mkdir()
                for d in [private, *private.iterdir()]:
                    os.chown(d, uid, gid)
            self._mount("--bind", str(private), path)
        self._mount("-t", "tmpfs", "tmpfs", "/run")
        self._mount("-t", "overlay", "overlay", "-o", f"lowerdir={prefix / 'sbin'}:/usr/sbin", "/usr/sbin")
        (self.root / "etc-corosync" / "corosync.conf").write_text(COROSYNC_CONF)
        plugs = [{"number": n, "name": f"Outlet{n}", "state": "on"} for n in (1, 2, 3, 4)]
        config = {"name": "nps", "events": str(self.root / "nps.events.jsonl"), "password": PASSWORD,
                  "host": "127.0.0.1", "relay_delay": 0.1, "boot_delay": 0.2, "ssh_port": False,
                  "plugs": plugs}  # fmt: skip
        self.nps = start_emulator("nps", config, prefix=self.net.exec_argv([]))
        self._seed_cib()

    def _seed_cib(self) -> None:
        """The starting CIB from the real tools (reference: never hand-written version fields)."""
        assert self.nps is not None
        seed = self.root / "seed.xml"
        seed.write_text(self.tool("cibadmin", "--empty"))
        env = {"CIB_file": str(seed)}
        for name, value in (("dc-deadtime", "2s"), ("stonith-timeout", "30s")):
            self.tool("crm_attribute", "--type", "crm_config", "--name", name, "--update", value, env=env)
        attrs = {"ip": "127.0.0.1", "ipport": str(self.nps.ports["telnet"]), "password": PASSWORD,
                 "pcmk_host_map": f"ghost:{GHOST_PLUG}", "pcmk_host_check": "static-list",
                 "pcmk_host_list": "ghost"}  # fmt: skip
        nvpairs = "".join(f'<nvpair id="fence-nps-{k}" name="{k}" value="{v}"/>' for k, v in attrs.items())
        stonith = (
            f'<primitive id="fence-nps" class="stonith" type="fence_nps">'
            f'<instance_attributes id="fence-nps-ia">{nvpairs}</instance_attributes></primitive>'
        )
        state = (
            '<instance_attributes id="www-app-ia"><nvpair id="www-app-state" name="state" '
            f'value="{APP_STATE}"/></instance_attributes>'
        )
        monitor = '<operations><op id="www-app-monitor" name="monitor" interval="1s"/></operations>'
        group = (
            '<group id="www"><primitive id="www-data" class="ocf" provider="pacemaker" type="Dummy"/>'
            '<primitive id="www-app" class="ocf" provider="pacemaker" type="Dummy">'
            f"{state}{monitor}</primitive>"
            "</group>"
        )
        for xml in (stonith, group):
            self.tool("cibadmin", "--create", "-o", "resources", "--xml-text", xml, env=env)
        target = self.root / "var-lib-pacemaker" / "cib" / "cib.xml"
        subprocess.run(["install", "-o", "hacluster", "-g", "haclient", "-m", "600", str(seed), str(target)],
                       check=True, timeout=10)  # fmt: skip

    def _spawn(self, argv: list[str], log: str) -> None:
        with open(self.root / log, "wb") as out:
            self.procs.append(subprocess.Popen(self.inside(argv), stdin=subprocess.DEVNULL, stdout=out,
                                               stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip

    def _boot(self, timeout: float, on_pacemakerd: Callable[[], object] | None) -> None:
        self._spawn(["corosync", "-f"], "corosync.out")
        wait_for("corosync's quorum", lambda: self._ok("corosync-quorumtool", "-s"), 10, 0.1)
        self._spawn(["pacemakerd"], "pacemakerd.out")
        if on_pacemakerd is not None:
            on_pacemakerd()
        else:
            wait_for("a DC with node1 online", self._up, timeout, 0.2)

    def _ok(self, *argv: str) -> bool:
        return subprocess.run(self.inside(list(argv)), capture_output=True, timeout=10).returncode == 0

    def _up(self) -> bool:
        try:
            out = self.tool("crm_mon", "-1", "--output-as=xml", timeout=10)
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
        return 'present="true"' in out and 'online="true"' in out

    # ---- teardown --------------------------------------------------------------------------------------
    def stop(self) -> None:
        for proc in reversed(self.procs):  # pacemakerd first (it stops its children), then corosync
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
        self.procs.clear()
        if self.nps is not None:
            self.nps.stop()
            self.nps = None
        if self.mnt is not None:
            self.mnt.close()
            self.mnt = None
        if self.net is not None:
            self.net.close()  # kills anything of the node still inside
            self.net = None
        shutil.rmtree(self.share, ignore_errors=True)

    def __enter__(self) -> SingleNode:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
