"""The www lab (harness.www_lab: ip + ext4 on a shared disk + an LSB web server) on real Pacemaker, fenced
by one of three kinds of device: an NPS power switch (fence_nps), one IPMI BMC per node (fence_ipmilan),
or a SAN switch's ports (fence_ifmib: fabric fencing, unfenced when the node rejoins).

Used by the end-to-end tests (tests/pacemaker_e2e) and ``fencelab bench failover --backend pacemaker``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.pacemaker.lab import PacemakerLab
from harness.www_lab import ADDRESS, GroundTruth, WwwLab, make_www_files

FENCING = ("nps", "ipmi", "san")
NODES = (1, 2, 3)

CONF = """<?xml version="1.0"?>
<cluster name="pcmkwww" config_version="1">
  <totem token="{token}"/>
  <clusternodes>
{nodes}
  </clusternodes>
  <fencedevices>
{devices}
  </fencedevices>
  <rm>
    <failoverdomains>
      <failoverdomain name="www-domain" ordered="1" restricted="1" nofailback="1">
        <failoverdomainnode name="node1" priority="1"/>
        <failoverdomainnode name="node2" priority="2"/>
        <failoverdomainnode name="node3" priority="3"/>
      </failoverdomain>
    </failoverdomains>
    <resources>
      <ip address="{address}" monitor_link="1" sleeptime="0"/>
      <fs name="wwwdata" device="{image}" mountpoint="{mountpoint}" fstype="ext4" options="loop"
          force_unmount="1"/>
      <script name="httpd" file="{script}"/>
    </resources>
    <service name="www" domain="www-domain" autostart="1" recovery="relocate">
      <fs ref="wwwdata"><ip ref="{address}"><script ref="httpd"/></ip></fs>
    </service>
  </rm>
</cluster>
"""


def _node(n: int, fencing: str) -> str:
    device = {"nps": f'<device name="nps" port="{n}"/>', "ipmi": f'<device name="bmc{n}"/>',
              "san": f'<device name="san" port="{n}"/>'}[fencing]  # fmt: skip
    unfence = f'<unfence><device name="san" port="{n}" action="on"/></unfence>' if fencing == "san" else ""
    return (f'    <clusternode name="node{n}" nodeid="{n}">\n'
            f'      <fence><method name="1">{device}</method></fence>{unfence}\n'
            "    </clusternode>")  # fmt: skip


def _devices(fencing: str) -> str:
    if fencing == "nps":
        return '    <fencedevice name="nps" agent="fence_nps" ipaddr="nps.example.com" passwd="nps-secret"/>'
    if fencing == "ipmi":
        return "\n".join(f'    <fencedevice name="bmc{n}" agent="fence_ipmilan" ipaddr="bmc{n}.example.com" '
                         f'login="admin" passwd="bmc-secret-{n}" lanplus="1"/>' for n in NODES)  # fmt: skip
    return '    <fencedevice name="san" agent="fence_ifmib" ipaddr="san.example.com" community="fabric-rw"/>'


def write_conf(root: Path, fencing: str, token: int = 1000) -> Path:
    """The www cluster.conf fenced by ``fencing`` (and its disk and web server) under ``root``."""
    if fencing not in FENCING:
        raise ValueError(f"fencing must be one of {', '.join(FENCING)}, not {fencing!r}")
    image, mountpoint, script = make_www_files(root)
    conf = root / "cluster.conf"
    nodes = "\n".join(_node(n, fencing) for n in NODES)
    conf.write_text(CONF.format(token=token, nodes=nodes, devices=_devices(fencing), address=ADDRESS,
                                image=image, mountpoint=mountpoint, script=script))  # fmt: skip
    return conf


@dataclass
class PacemakerWww:
    """The running lab, its ground-truth watcher and the page's client (harness.www_lab.WwwLab)."""

    lab: PacemakerLab
    www: WwwLab
    mountpoint: str

    @property
    def truth(self) -> GroundTruth:
        return self.www.truth

    def owner(self, ask: str) -> str | None:
        """The node the cluster says runs the service's address, as node ``ask`` sees it (None: nowhere)."""
        view = self.lab.status(ask)
        if view is None:
            return None
        nodes = view.active_on("ocf:heartbeat:IPaddr2")
        return nodes[0] if len(nodes) == 1 else None

    def events(self, device: str) -> list[dict[str, Any]]:
        path = self.lab.events_file(device)
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip().endswith("}")]

    def stop(self) -> None:
        self.truth.stop.set()
        if self.truth.thread is not None:
            self.truth.thread.join(5)
        self.lab.stop()


def build(root: Path, fencing: str, token: int = 1000, boot_timeout: float = 60.0) -> PacemakerWww:
    """Write the conf, start the Pacemaker lab and a ground-truth watcher (every 50 ms)."""
    conf = write_conf(root, fencing, token)
    lab = PacemakerLab(conf, root / "lab", boot_timeout=boot_timeout)
    lab.start()
    mountpoint = str(root / "www")
    truth = GroundTruth(lab, mountpoint)
    truth.thread = threading.Thread(target=truth.run, daemon=True)
    truth.thread.start()
    return PacemakerWww(lab, WwwLab(lab, truth, root), mountpoint)
