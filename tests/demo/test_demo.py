"""README's main job: `fencelab demo` runs end to end and shows what really happened."""

from __future__ import annotations

import re

from harness.tools import our_tool, run


def test_demo_fences_through_the_emulated_switch() -> None:
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
    assert "all fence actions verified" in out
