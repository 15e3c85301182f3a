"""Agent stdin in fenced's order, and redaction."""

from __future__ import annotations

from cluster.fenced.attempt import Attempt
from cluster.fenced.plan import (
    DeviceEntry,
    FenceDevice,
    FencePlan,
    Method,
    NodeFencing,
    agent_stdin,
    redact_pairs,
    stdin_text,
)
from cluster.procrun import redact as redact_text

# The seed article's Listing 3: device nps, port 1; fencedevice with agent, ipaddr, passwd.
NPS = FenceDevice("nps", "fence_nps", (("agent", "fence_nps"), ("ipaddr", ""), ("passwd", "redhat123")))


def test_stdin_order_device_then_nodename_then_fencedevice() -> None:
    pairs = agent_stdin(DeviceEntry("nps", (("port", "1"),)), NPS, "iscsi1")
    assert stdin_text(pairs) == "port=1\nnodename=iscsi1\nagent=fence_nps\nipaddr=\npasswd=redhat123\n"


def test_no_action_added_but_a_configured_one_is_kept() -> None:
    assert not any(k == "action" for k, _ in agent_stdin(DeviceEntry("nps", (("port", "1"),)), NPS, "n"))
    pairs = agent_stdin(DeviceEntry("nps", (("port", "1"), ("action", "off"))), NPS, "n")
    assert pairs[1] == ("action", "off")


def test_nodename_given_on_the_device_is_not_repeated() -> None:
    pairs = agent_stdin(DeviceEntry("nps", (("nodename", "alias"), ("port", "1"))), NPS, "iscsi1")
    assert [k for k, _ in pairs].count("nodename") == 1 and pairs[0] == ("nodename", "alias")


def test_redaction() -> None:
    pairs = agent_stdin(DeviceEntry("nps", (("port", "1"),)), NPS, "iscsi1")
    assert "redhat123" not in redact_pairs(pairs) and "passwd=***" in redact_pairs(pairs)
    assert redact_text("login redhat123 failed", ["redhat123"]) == "login *** failed"


def test_attempt_skips_methods_without_devices() -> None:
    node = NodeFencing(1, "n1", (Method("empty", ()), Method("2", (DeviceEntry("nps", ()),))))
    attempt = Attempt(FencePlan((node,), (NPS,)), node)
    call = attempt.next_call()
    assert call is not None and call.method == "2"
    attempt.record(False)
    assert attempt.outcome is False and attempt.next_call() is None


def test_attempt_without_methods_fails_at_once() -> None:
    node = NodeFencing(1, "n1")
    assert Attempt(FencePlan((node,), (NPS,)), node).outcome is False
