"""``fencelab demo``: emulated hardware, fenced through our agents as separate processes, as a timeline.

Every line printed is something that happened: a node process starting or being killed by its emulated
outlet or BMC chassis, an agent process started with the stdin fenced would give it, the agent's own answer,
a storage write accepted or refused by the emulated array, and what the array's journal recorded.

Acts, in order: an NPS switch (here), a BMC (:mod:`harness.demo_ipmi`), a SAN switch guarding a LUN
(:mod:`harness.demo_san`), a 3-node cluster (:mod:`harness.demo_cluster`) and a failover of the www service
between three machines (:mod:`harness.demo_failover`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from harness.demo_calls import fence_call
from harness.demo_cluster import cluster_section
from harness.demo_failover import failover_section
from harness.demo_ipmi import ipmi_section
from harness.demo_san import san_section
from harness.emulator_process import Emulator, start_emulator
from harness.node_watch import NodeWatch
from harness.one_line_parser import OneLineParser
from harness.timeline import Timeline

DESCRIPTION = (
    "Emulated hardware, fenced through our agents as separate processes, as a timeline. Every line printed "
    "is something that happened: a node process starting or being killed by its emulated outlet or BMC "
    "chassis, an agent process started with the stdin fenced would give it, the agent's own answer, a "
    "storage write accepted or refused by the emulated array, and what the array's journal recorded. Acts, "
    "in order: an NPS power switch, an IPMI BMC, a SAN switch guarding a LUN, a 3-node cluster, and a "
    "service failing over between three machines (as root)."
)
NODES = ("iscsi1", "iscsi2", "iscsi3")
PASSWORD = "redhat123"  # the article's cluster's NPS password; shown as *** in the timeline


def nps_section(timeline: Timeline, watch: NodeWatch) -> bool:
    timeline.section("Power fencing: three nodes on the plugs of an emulated WTI NPS switch")
    plugs = [
        {"number": i, "name": name, "wire": watch.command(name)} for i, name in enumerate(NODES, start=1)
    ]
    config = {"password": PASSWORD, "relay_delay": 0.2, "boot_delay": 1.0, "plugs": plugs}
    device: Emulator
    with start_emulator("nps", config=config) as device:
        timeline.add(
            "nps", f"switch up: telnet {device.host}:{device.port('telnet')}, ssh :{device.port('ssh')}"
        )
        for name in NODES:
            watch.wait(name, running=True)
        timeline.add("cluster", "iscsi2 stops answering; fenced fences it with the article's stdin (reboot)")
        article_stdin = [
            "port=2",
            "nodename=iscsi2",
            "agent=fence_nps",
            f"ipaddr={device.host}",
            f"ipport={device.port('telnet')}",
            f"passwd={PASSWORD}",
        ]
        rc = fence_call(timeline, "fence_nps", article_stdin).rc
        watch.wait("iscsi2", running=True, starts=2)
        status = [
            "port=2",
            f"ipaddr={device.host}",
            f"ipport={device.port('telnet')}",
            f"passwd={PASSWORD}",
            "action=status",
        ]
        fence_call(timeline, "fence_nps", status, who="operator")
        timeline.add("cluster", "an operator powers iscsi3 off for maintenance, over ssh")
        off = [
            "port=iscsi3",
            f"ipaddr={device.host}",
            f"ipport={device.port('ssh')}",
            "secure=1",
            f"passwd={PASSWORD}",
            "action=off",
            "ssh_options=-o StrictHostKeyChecking=no",
        ]
        rc_off = fence_call(timeline, "fence_nps", off, who="operator").rc
        watch.wait("iscsi3", running=False)
        status3 = [
            "port=3",
            f"ipaddr={device.host}",
            f"ipport={device.port('telnet')}",
            f"passwd={PASSWORD}",
            "action=status",
        ]
        rc_status = fence_call(timeline, "fence_nps", status3, who="operator").rc
        timeline.add("nps", "switch shuts down: every outlet loses power")
    return rc == 0 and rc_off == 0 and rc_status == 2


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab demo", description=DESCRIPTION)
    parser.parse_args(list(argv))
    timeline = Timeline()
    print("fencelab demo: emulated fence devices on 127.0.0.1, our agents run as separate processes")
    watch = NodeWatch(timeline)
    ok = True
    try:
        ok &= nps_section(timeline, watch)
        ok &= ipmi_section(timeline, watch)
        ok &= san_section(timeline)
        ok &= cluster_section(timeline)
        ok &= failover_section(timeline)
    except (TimeoutError, RuntimeError, OSError, subprocess.TimeoutExpired) as err:
        print(f"fencelab demo: failed: {err}", file=sys.stderr)
        return 1
    finally:
        watch.close()
    print("\nall fence actions verified" if ok else "\nSOME FENCE ACTIONS DID NOT DO WHAT WAS EXPECTED")
    return 0 if ok else 1
