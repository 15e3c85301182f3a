"""README's main job: `fencelab demo` runs end to end and shows what really happened."""

from __future__ import annotations

import re

from harness.tools import our_tool, run


def test_demo_fences_and_the_cluster_recovers() -> None:
    done = run([our_tool("fencelab"), "demo"], timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "Traceback" not in out + done.stderr
    assert "redhat123" not in out + done.stderr  # the timeline shows passwd=***
    # the reboot killed iscsi2's process and started a new one, and the agent verified it
    assert re.search(r"iscsi2\s+node is DEAD: power cut", out)
    assert re.search(r"iscsi2\s+node is running again", out)
    assert re.search(r"fence_nps\s+exit 0: Success: Rebooted", out)
    assert re.search(r"fence_nps\s+exit 2: Status: OFF", out)
    # the cluster act: a killed node leaves the membership, is fenced by the master, restarts and rejoins
    lost = r"membership\s+generation \d+ on node1: lost node3; members node1, node2;.*: quorate"
    assert re.search(lost, out)
    assert re.search(r"fenced\s+node1 \(master\) runs fence_nps for node3", out)
    assert re.search(r"fenced\s+node3: method 1, device nps: success", out)
    assert re.search(r"node3\s+power is back: node daemon started again", out)
    assert re.search(r"membership\s+generation \d+ on node1: joined node3", out)
    assert "all fence actions verified" in out
