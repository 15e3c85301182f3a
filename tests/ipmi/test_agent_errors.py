"""The agent's one-line messages for login failures and IPMI completion codes (pure)."""

from __future__ import annotations

from fence_agents.agents.ipmi_errors import completion_failure, login_failure
from fence_agents.errors import ConnectError, DeviceError, LoginError


def test_login_failures_name_the_cause() -> None:
    wrong = login_failure("Incorrect password provided", "admin", 4)
    assert isinstance(wrong, LoginError)
    assert str(wrong) == "Unable to connect/login to fencing device: wrong password for user 'admin'"
    assert "has no user 'bob'" in str(login_failure("Unauthorized name in RAKP2", "bob", 4))
    role = str(login_failure("Invalid role in RAKP2", "viewer", 4))
    assert "may not log in at privilege level administrator (try --privlvl=operator)" in role
    assert isinstance(login_failure("timeout", "a", 4), ConnectError)


def test_completion_codes() -> None:
    denied = completion_failure("power off", 0xD4, "viewer", 2)
    assert isinstance(denied, DeviceError)
    assert "insufficient privilege for user 'viewer' at level user" in str(denied)
    refused = str(completion_failure("power cycle", 0xD5, "admin", 4))
    assert "refused power cycle because the chassis is off" in refused
    other = str(completion_failure("power on", 0xC0, "admin", 4))
    assert other == "Failed: the BMC refused power on: node busy (completion code 0xc0)"
