"""The article's Listings 6 and 7 made runnable: three machines, a www service (ip + fs + script) on a shared
ext4 disk, NPS fencing; and a ground-truth watcher of the nodes' namespaces.

Used by the resource manager's end-to-end tests, the demo's failover act and ``fencelab bench failover``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.lab_up import ConfLab

ADDRESS = "192.0.2.100"
PAGE = "fencelab www: served from the shared disk\n"

LSB = """#!/bin/sh
# An LSB init script: a web server for the www service, on the floating address, from the shared disk.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
PIDFILE=/run/www-httpd.pid
running() {{ [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }}
case "$1" in
  start)
    running && exit 0
    setsid python3 -m http.server 80 --bind {address} --directory {docroot} >/dev/null 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    for i in $(seq 50); do python3 -c "import socket; socket.create_connection(('{address}', 80), 0.2)" \\
        2>/dev/null && exit 0; sleep 0.1; done
    exit 1 ;;
  stop)
    running && kill "$(cat "$PIDFILE")"
    rm -f "$PIDFILE"; exit 0 ;;
  status)
    running || exit 3 ;;
  *) exit 2 ;;
esac
"""

CONF = """<?xml version="1.0"?>
<cluster name="wwwcluster" config_version="1">
  <totem token="{token}"/>
  <fence_daemon post_join_delay="{post_join_delay}" post_fail_delay="0"/>
  <logging to_syslog="no" to_logfile="yes" logfile_priority="debug"/>
  <clusternodes>
    <clusternode name="node1" nodeid="1">
      <fence><method name="1"><device name="nps" port="1"/></method></fence>
    </clusternode>
    <clusternode name="node2" nodeid="2">
      <fence><method name="1"><device name="nps" port="2"/></method></fence>
    </clusternode>
    <clusternode name="node3" nodeid="3">
      <fence><method name="1"><device name="nps" port="3"/></method></fence>
    </clusternode>
  </clusternodes>
  <fencedevices>
    <fencedevice name="nps" agent="fence_nps" ipaddr="nps.example.com" passwd="nps-secret"/>
  </fencedevices>
  <rm status_poll_interval="{poll}">
    <failoverdomains>
      <failoverdomain name="www-domain" ordered="1" restricted="1" nofailback="{nofailback}">
        <failoverdomainnode name="node1" priority="1"/>
        <failoverdomainnode name="node2" priority="2"/>
        <failoverdomainnode name="node3" priority="3"/>
      </failoverdomain>
      {extra_domains}
    </failoverdomains>
    <resources>
      <ip address="{address}" monitor_link="1" sleeptime="0"/>
      <fs name="wwwdata" device="{image}" mountpoint="{mountpoint}" fstype="ext4" force_unmount="1"/>
      <script name="httpd" file="{script}"><action name="status" interval="1"/></script>
      {extra_resources}
    </resources>
    <service name="www" domain="www-domain" autostart="1" recovery="{recovery}" max_restarts="{max_restarts}">
      <fs ref="wwwdata">
        <ip ref="{address}">
          <script ref="httpd"/>
        </ip>
      </fs>
    </service>
    {extra_services}
  </rm>
</cluster>
"""


@dataclass
class GroundTruth:
    """Polls every node's namespaces: where the address is configured, where the disk is mounted."""

    lab: ConfLab
    mountpoint: str
    samples: list[tuple[float, set[str], set[str]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def look(self) -> tuple[set[str], set[str]]:
        assert self.lab.net is not None and self.lab.plan is not None
        with_ip, with_fs = set(), set()
        for nodeid, name in self.lab.plan.nodes.items():
            ns = self.lab.net.nodes[nodeid]
            addrs = subprocess.run(["ip", "-n", ns.name, "-o", "addr"], capture_output=True, text=True).stdout
            if f" {ADDRESS}/" in addrs:
                with_ip.add(name)
            init = self.lab.net.init_pid(nodeid)
            try:
                if init is not None and f" {self.mountpoint} " in Path(f"/proc/{init}/mounts").read_text():
                    with_fs.add(name)
            except OSError:
                pass
        return with_ip, with_fs

    def run(self) -> None:
        while not self.stop.wait(0.05):
            ip, fs = self.look()
            self.samples.append((time.time(), ip, fs))

    def doubles(self) -> list[str]:
        return [f"{t:.2f}: ip on {sorted(ip)}, fs on {sorted(fs)}" for t, ip, fs in self.samples
                if len(ip) > 1 or len(fs) > 1]  # fmt: skip


@dataclass
class WwwLab:
    lab: ConfLab
    truth: GroundTruth
    root: Path

    def http(self, timeout: float = 2.0) -> str | None:
        """The page at the floating address, fetched from the hub (a client on the lab's network)."""
        assert self.lab.net is not None
        code = (f"import urllib.request;print(urllib.request.urlopen('http://{ADDRESS}/index.html',"
                f" timeout={timeout}).read().decode(),end='')")  # fmt: skip
        out = subprocess.run(self.lab.net.in_hub(["python3", "-c", code]), capture_output=True, text=True,
                             timeout=timeout + 5)  # fmt: skip
        return out.stdout if out.returncode == 0 else None

    def tool(self, node: str, *argv: str, timeout: float = 90.0) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "FENCELAB_RUN_DIR": str(self.lab.run_dir(node))}
        bindir = str(Path(sys.executable).parent)
        return subprocess.run([f"{bindir}/{argv[0]}", *argv[1:]], capture_output=True, text=True, env=env,
                              timeout=timeout)  # fmt: skip

    def service(self, node: str = "node2", name: str = "www") -> dict[str, object]:
        """The service's replicated record as ``node`` holds it (state 112 started, 119 disabled...)."""
        from cluster.daemon.control import request

        rows = request(self.lab.run_dir(node), "rm_status", timeout=5)["services"]
        return next(r for r in rows if r["name"] == f"service:{name}")

    def service_members(self, node: str = "node2") -> list[int]:
        from cluster.daemon.control import request

        return list(request(self.lab.run_dir(node), "rm_status", timeout=5)["members"])

    def running(self, name: str, node: str, ask: str = "node2") -> bool:
        row = self.service(ask, name)
        return row["state"] == 112 and row["owner"] == node

    def node_file(self, node: str, path: str) -> str | None:
        """A file as the node sees it (its own /run), read through its PID 1 (not the launcher: host view)."""
        assert self.lab.net is not None
        init = self.lab.net.init_pid(self.lab.nodeid(node))
        try:
            return Path(f"/proc/{init}/root{path}").read_text() if init is not None else None
        except OSError:
            return None

    def kill_httpd(self, node: str) -> None:
        """The web server dies on its own (its status check fails); the cluster is not told."""
        pid = self.node_file(node, "/run/www-httpd.pid")
        assert pid, f"no web server pid file on {node}"
        assert self.lab.net is not None
        for host_pid in self.lab.net.node_pids(self.lab.nodeid(node)):  # the pid file holds the node's pid
            try:
                status = Path(f"/proc/{host_pid}/status").read_text()
            except OSError:
                continue  # a process of the node that ended since it was listed (an agent, a status check)
            nspid = next(line.split()[-1] for line in status.splitlines() if line.startswith("NSpid:"))
            if nspid == pid.strip():
                os.kill(host_pid, 9)


def make_www_files(root: Path) -> tuple[Path, Path, Path]:
    """The shared disk (an ext4 image holding the page), its mount point and the web server's LSB script."""
    image, mountpoint, docroot_setup = root / "shared.img", root / "www", root / "setup"
    with open(image, "wb") as fh:
        fh.truncate(32 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, timeout=60)
    docroot_setup.mkdir()
    mountpoint.mkdir()
    index = docroot_setup / "index.html"
    fill = f"mount {image} {docroot_setup} && printf '{PAGE}' > {index} && umount {docroot_setup}"
    subprocess.run(["unshare", "-m", "sh", "-c", fill], check=True, timeout=60)
    script = root / "httpd.sh"
    script.write_text(LSB.format(address=ADDRESS, docroot=mountpoint))
    script.chmod(0o755)
    return image, mountpoint, script


OPTIONS: dict[str, object] = {  # the conf template's defaults (the scenarios' ``www = {...}`` overrides them)
    "token": 400,
    "post_join_delay": 1,
    "poll": 1,
    "nofailback": 1,
    "recovery": "relocate",
    "max_restarts": 0,
    "extra_domains": "",
    "extra_resources": "",
    "extra_services": "",
}


def build_www_lab(root: Path, **options: object) -> WwwLab:
    """Write the disk, the web server's LSB script and the cluster.conf under ``root``; start the lab
    (nodes as machines: needs root) and a ground-truth watcher. ``options`` fill the conf's template."""
    opts = {**OPTIONS, **options}
    image, mountpoint, script = make_www_files(root)
    conf = root / "cluster.conf"
    conf.write_text(CONF.format(address=ADDRESS, image=image, mountpoint=mountpoint, script=script, **opts))
    lab = ConfLab(conf, root / "lab", machines=True, boot_timeout=60)
    lab.start()
    truth = GroundTruth(lab, str(mountpoint))
    truth.thread = threading.Thread(target=truth.run, daemon=True)
    truth.thread.start()
    return WwwLab(lab, truth, root)


def stop_www_lab(www: WwwLab) -> None:
    www.truth.stop.set()
    if www.truth.thread is not None:
        www.truth.thread.join(5)
    www.lab.stop()
