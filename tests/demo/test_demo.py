"""README's main job: `fencelab demo` runs end to end and shows what really happened.

The demo runs once (a module fixture); each act's key lines are checked by its own test.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from harness import demo_ipmi, demo_san
from harness.tools import our_tool, run, stock_tool


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    """One run of ``fencelab demo`` for the module (the finished process)."""
    return run([our_tool("fencelab"), "demo"], timeout=120)


@pytest.fixture(scope="module")
def out(demo: subprocess.CompletedProcess[str]) -> str:
    """The demo's stdout, after checking that it exited 0."""
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return demo.stdout


def test_demo_succeeds_and_shows_no_secret(demo: subprocess.CompletedProcess[str], out: str) -> None:
    everything = out + demo.stderr
    assert "Traceback" not in everything
    for secret in ("redhat123", demo_ipmi.ADMIN_PASSWORD, demo_ipmi.VIEWER_PASSWORD):
        assert secret not in everything  # the timeline shows passwd=*** / password=***
    assert f"community={demo_san.COMMUNITY}" not in everything
    assert "password=***" in out and "community=***" in out
    assert "all fence actions verified" in out


def test_nps_act_reboots_and_powers_off(out: str) -> None:
    # the reboot killed iscsi2's process and started a new one, and the agent verified it
    assert re.search(r"iscsi2\s+node is DEAD: power cut", out)
    assert re.search(r"iscsi2\s+node is running again", out)
    assert re.search(r"fence_nps\s+exit 0: Success: Rebooted", out)
    assert re.search(r"fence_nps\s+exit 2: Status: OFF", out)


def test_ipmi_act_status_reboot_and_a_refused_off(out: str) -> None:
    assert re.search(
        r"bmc\s+BMC up: IPMI 2.0 RMCP\+ on udp 127.0.0.1:\d+; users admin \(administrator\)", out
    )
    assert re.search(r"fence_ipmilan\s+exit 0: Status: ON", out)
    # the chassis powered off: blade1's process died; powered on: a new one started; then the agent said so
    reboot = r"blade1\s+node is DEAD: power cut(?:.*\n)+?.*blade1\s+node is running again(?:.*\n)+?.*Rebooted"
    assert re.search(reboot, out)
    refused = (
        r"fence_ipmilan\s+exit 1: ERROR: Failed: the BMC refused power off: insufficient privilege for user"
    )
    assert re.search(refused, out)
    assert re.search(r"blade1\s+still running \(pid \d+\); BMC: chassis on, 1 power-off so far", out)


def test_san_act_fence_cuts_the_writes_and_the_journal_agrees(out: str) -> None:
    assert re.search(r"san\s+fabric up: .* port 1 -> db1 .* exports db1/shared", out)
    if stock_tool("qemu-io"):
        accepted = r"qemu-io\s+exit 0: wrote 4096/4096 bytes at offset 0"
        assert len(re.findall(accepted, out)) == 2  # before the fence and after the unfence
        # between the fence and the unfence, the same write is refused for the fence's reason
        between = (
            r"fence_ifmib\s+exit 0: Success: Powered OFF\n"
            r"(?:.*\n)+?.*qemu-io\s+exit 1: .*no path to the array"
            r"(?:.*\n)+?.*fence_ifmib\s+exit 0: Success: Powered ON"
        )
        assert re.search(between, out)
        assert re.search(r"journal\s+.*writes from db1 accepted: 2, between fence and unfence: 0", out)
    else:
        assert "qemu-io not found: apt-get install qemu-utils" in out
    assert re.search(r"journal\s+port 1 \(db1\) disabled via snmp at seq \d+, enabled via snmp", out)
    assert re.search(r"journal\s+.*between fence and unfence: 0$", out, re.M)


def test_cluster_act_fences_and_the_node_rejoins(out: str) -> None:
    # a killed node leaves the membership, is fenced by the master, restarts and rejoins
    lost = r"membership\s+generation \d+ on node1: lost node3; members node1, node2;.*: quorate"
    assert re.search(lost, out)
    assert re.search(r"fenced\s+node1 \(master\) runs fence_nps for node3", out)
    assert re.search(r"fenced\s+node3: method 1, device nps: success", out)
    assert re.search(r"node3\s+power is back: node daemon started again", out)
    assert re.search(r"membership\s+generation \d+ on node1: joined node3", out)
