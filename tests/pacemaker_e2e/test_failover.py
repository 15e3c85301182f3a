"""Real Pacemaker fences through our agents and emulators, and only then moves the www group.

Three nodes run Corosync + Pacemaker; the group is Filesystem (ext4 on a loop image) + IPaddr2 192.0.2.100 +
an LSB web server serving the page from that disk. The owner dies; the survivors' fencer runs our agent
against the emulated device (NPS outlet, IPMI BMC, SAN switch port); the group starts on a survivor and the
page answers at the address from the hub. Ground truth: the nodes' namespaces, probed every 50 ms, never
hold the address (or the mount) on two nodes at once, and the address appears on the new owner only after
the device acted. The fenced node comes back and rejoins.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.pacemaker.status import parse_fence_history
from harness.pacemaker.www_lab import PacemakerWww, build
from harness.waiting import wait_for
from harness.www_lab import PAGE

from .conftest import need_stack

pytestmark = [pytest.mark.interop, pytest.mark.slow]
NODES = ("node1", "node2", "node3")


@pytest.fixture
def www(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PacemakerWww]:
    need_stack()
    lab = build(tmp_path, request.param)
    try:
        yield lab
    finally:
        lab.stop()


def first_seen_on(www: PacemakerWww, node: str, after: float) -> float:
    """When ground truth first saw the address on ``node`` (after time ``after``)."""
    times = [t for t, ip, _fs in list(www.truth.samples) if t > after and node in ip]
    assert times, f"the address was never seen on {node}"
    return min(times)


def fail_over(www: PacemakerWww, crash: str) -> tuple[str, str, float]:
    """The group runs and answers; its owner dies (``crash``: every process SIGKILLed, outlet on; or
    ``power``: the lab cuts the node's power). The group moves; returns (victim, new owner, death time)."""
    victim = wait_for("www running", lambda: www.owner("node2"), 60)
    assert wait_for("the page", www.www.http, 30) == PAGE
    ask = next(n for n in NODES if n != victim)
    died = wait_for("a ground-truth sample", lambda: www.truth.samples and www.truth.samples[-1][0], 5)
    if crash == "crash":
        www.lab.crash(victim)
    else:
        www.lab.power_off(victim)
    new = wait_for("www on a survivor", lambda: (o := www.owner(ask)) not in (None, victim) and o, 90)
    assert wait_for("the page from the new owner", www.www.http, 30) == PAGE
    history = parse_fence_history(
        www.lab.node_tool(ask, "stonith_admin", "--history", victim, "--verbose").stdout
    )
    assert any(
        e.target == victim and e.action in ("reboot", "off") and e.state == "successful" for e in history
    ), history
    return victim, new, died


def rejoined(www: PacemakerWww, victim: str, ask: str) -> bool:
    view = www.lab.status(ask)
    return view is not None and bool(view.online.get(victim))


@pytest.mark.parametrize("www", ["nps"], indirect=True)
def test_nps_fences_a_killed_node_then_www_moves_and_the_node_rejoins(www: PacemakerWww) -> None:
    victim, new, died = fail_over(www, "crash")
    plug = str(www.lab.nodeid(victim))
    outlet = [
        (e["t"], e["on"]) for e in www.events("nps") if e.get("kind") == "outlet" and e["outlet"] == plug
    ]
    cut = [t for t, on in outlet if not on and t > died]
    assert cut, f"the NPS never cut {victim}'s outlet {plug}: {outlet}"
    assert first_seen_on(www, new, died) > min(cut), "the address moved before the victim was fenced"
    assert any(on and t > min(cut) for t, on in outlet), "the outlet was not switched back on (reboot)"
    wait_for(f"{victim} rejoined", lambda: rejoined(www, victim, new), 90)
    assert www.truth.doubles() == []


@pytest.mark.parametrize("www", ["ipmi"], indirect=True)
def test_ipmi_fences_a_killed_node_then_www_moves_and_the_node_rejoins(www: PacemakerWww) -> None:
    victim, new, died = fail_over(www, "crash")
    bmc = f"bmc{www.lab.nodeid(victim)}"
    chassis = [
        (e["t"], e["on"]) for e in www.events("bmc") if e.get("src") == bmc and e.get("kind") == "chassis"
    ]
    off = [t for t, on in chassis if not on and t > died]
    assert off, f"{bmc} never powered {victim}'s chassis off: {chassis}"
    assert first_seen_on(www, new, died) > min(off), "the address moved before the victim was fenced"
    wait_for(f"{victim} rejoined", lambda: rejoined(www, victim, new), 90)
    assert www.truth.doubles() == []


@pytest.mark.parametrize("www", ["san"], indirect=True)
def test_san_fabric_fence_then_www_moves_and_the_rejoining_node_is_unfenced(www: PacemakerWww) -> None:
    """A fabric fence stops a node's storage, not its network: a node whose processes died but whose
    address stayed up would still answer at it. So here the owner loses its power (the lab powers these
    nodes); the survivors cut its SAN port, the group moves; when the node boots again, Pacemaker unfences it
    (provides=unfencing) and the switch enables its port before the node runs anything."""
    victim, new, died = fail_over(www, "power")
    port = www.lab.nodeid(victim)

    def port_events() -> list[tuple[float, bool]]:
        return [
            (e["t"], e["enabled"]) for e in www.events("san") if e.get("kind") == "port" and e["port"] == port
        ]

    disabled = [t for t, enabled in port_events() if not enabled and t > died]
    assert disabled, f"the SAN never disabled {victim}'s port {port}: {port_events()}"
    assert first_seen_on(www, new, died) > min(disabled), "the address moved before the victim was fenced"
    www.lab.power_on(victim)
    wait_for(f"{victim} rejoined", lambda: rejoined(www, victim, new), 90)
    wait_for(
        f"port {port} enabled again (unfencing)",
        lambda: any(enabled and t > min(disabled) for t, enabled in port_events()),
        30,
    )
    assert www.truth.doubles() == []
