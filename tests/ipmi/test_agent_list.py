"""A BMC has no plugs: `list` and `list-status` give the documented message and exit 1 (docs/agent-api.md),
before any connection is tried; `--disable-timeout` says what it does."""

from __future__ import annotations

import pytest

from harness.tools import our_tool, run


@pytest.mark.parametrize("action", ["list", "list-status"])
def test_list_on_a_bmc_is_not_supported(action: str) -> None:
    # 192.0.2.1 (TEST-NET) is never contacted: the action is refused first
    done = run(
        [our_tool("fence_ipmilan"), "-a", "192.0.2.1", "-l", "admin", "-p", "x", "-o", action], timeout=30
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.endswith(f"ERROR: Failed: Action '{action}' is not supported by this device\n")
    assert len(done.stderr.splitlines()) == 1


def test_disable_timeout_help_says_what_the_agent_does() -> None:
    done = run([our_tool("fence_ipmilan"), "-h"], timeout=30)
    text = " ".join(done.stdout.split())
    assert (
        "--disable-timeout=[true/false] Disable timeout (true/false): poll for the power state without "
        "limit (power_timeout 0); not implied by Pacemaker" in text
    )
    assert "default: true when run from Pacemaker" not in text
