"""Real Pacemaker fences through our agents and emulators, and only then moves the www group.

Three nodes run Corosync + Pacemaker; the group is Filesystem (ext4 on a loop image) + IPaddr2 192.0.2.100 +
an LSB web server serving the page from that disk. The owner dies; the survivors' fencer runs our agent
against the emulated device (NPS outlet, IPMI BMC, SAN switch port); the group starts on a survivor and the
page answers at the address from the hub. Ground truth: the nodes' namespaces, probed every 50 ms, never
hold the address (or the mount) on two nodes at once, and the address appears on the new owner only after
the device acted. The fenced node comes back and rejoins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.pacemaker.observe import parse_fence_history
from harness.pacemaker.www_lab import PacemakerWww, build
from harness.waiting import wait_for
from harness.www_lab import PAGE

from .conftest import need_stack

pytestmark = [pytest.mark.interop, pytest.mark.slow]
NODES = ("node1", "node2", "node3")


@pytest.fixture
def www(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PacemakerWww]:
    """The www lab on Pacemaker fenced by ``request.param`` (nps, ipmi, san); stopped whatever happened."""
    need_stack()
    lab = build(tmp_path, request.param)
    try:
        yield lab
    finally:
        lab.stop()


def fenced_then_answering(www: PacemakerWww, victim: str, died: float, cut: float) -> str:
    """Ground truth of a failover: between the death and the device's cut the address is on no node but
    the victim (nobody took it over before the fence); afterwards it is on exactly one node, which is
    returned. That node may be the victim itself: a power-cycled node that rejoins before the group has
    started elsewhere gets it back (it is the domain's first choice), which is a correct recovery too."""
    samples = list(www.truth.samples)
    early = [(t, ip) for t, ip, _fs in samples if died < t < cut and ip - {victim}]
    assert not early, f"the address was on a survivor before the victim was fenced: {early[:3]}"
    holders = [ip for t, ip, _fs in samples if t > cut and ip]
    assert holders and len(holders[-1]) == 1, f"the address after the fence: {holders[-3:]}"
    return next(iter(holders[-1]))


def fail_over(
    www: PacemakerWww, crash: str, cuts: Callable[[str, float], list[float]]
) -> tuple[str, str, float]:
    """The group runs and answers; its owner dies (``crash``: every process SIGKILLed, outlet on; or
    ``power``: the lab cuts the node's power). ``cuts(victim, after)`` are the device's own records of
    fencing it. Waits until the group answers again after the fence; returns (victim, owner, cut time)."""
    victim = wait_for("www running", lambda: www.owner("node2"), 60)
    assert wait_for("the page", www.www.http, 30) == PAGE
    ask = next(n for n in NODES if n != victim)
    died = wait_for("a ground-truth sample", lambda: www.truth.samples and www.truth.samples[-1][0], 5)
    if crash == "crash":
        www.lab.crash(victim)
    else:
        www.lab.power_off(victim)

    def running_again() -> str | None:
        owner = www.owner(ask)
        if owner is None or not cuts(victim, died):
            return None  # before the fence crm_mon still shows the unclean victim's resources on it
        return owner if owner != victim or rejoined(www, victim, ask) else None

    try:
        owner = wait_for("www running again after the fence", running_again, 90)
    except AssertionError as err:  # say what the stack did: the survivor's fence history and logs
        history = www.lab.node_tool(ask, "stonith_admin", "--history", "*", "--verbose").stdout
        raise AssertionError(
            f"{err}; {ask}'s fence history: {history!r}{www.lab._last_lines(ask, 40)}"
        ) from None
    assert wait_for("the page after the failover", www.www.http, 30) == PAGE
    cut = min(cuts(victim, died))
    assert (
        wait_for(
            "ground truth of the new owner",
            lambda: fenced_then_answering(www, victim, died, cut),
            5,
            retry_on=(AssertionError,),
        )
        == owner
    )
    events = parse_fence_history(
        www.lab.node_tool(ask, "stonith_admin", "--history", victim, "--verbose", "--output-as=xml").stdout
    )
    assert any(
        e.target == victim and e.action in ("reboot", "off") and e.status == "success" for e in events
    ), events
    return victim, owner, cut


def rejoined(www: PacemakerWww, victim: str, ask: str) -> bool:
    view = www.lab.status(ask)
    return view is not None and view.ready([victim])


def outlet_cuts(www: PacemakerWww) -> Callable[[str, float], list[float]]:
    def cuts(victim: str, after: float) -> list[float]:
        plug = str(www.lab.nodeid(victim))
        return [e["t"] for e in www.events("nps")
                if e.get("kind") == "outlet" and e["outlet"] == plug and not e["on"]
                and e["t"] > after]  # fmt: skip

    return cuts


def chassis_offs(www: PacemakerWww) -> Callable[[str, float], list[float]]:
    def cuts(victim: str, after: float) -> list[float]:
        bmc = f"bmc{www.lab.nodeid(victim)}"
        return [e["t"] for e in www.events("bmc")
                if e.get("src") == bmc and e.get("kind") == "chassis" and not e["on"]
                and e["t"] > after]  # fmt: skip

    return cuts


def port_disables(www: PacemakerWww) -> Callable[[str, float], list[float]]:
    def cuts(victim: str, after: float) -> list[float]:
        port = www.lab.nodeid(victim)
        return [e["t"] for e in www.events("san")
                if e.get("kind") == "port" and e["port"] == port and not e["enabled"]
                and e["t"] > after]  # fmt: skip

    return cuts


@pytest.mark.parametrize("www", ["nps"], indirect=True)
def test_nps_fences_a_killed_node_then_www_moves_and_the_node_rejoins(www: PacemakerWww) -> None:
    victim, owner, cut = fail_over(www, "crash", outlet_cuts(www))
    plug = str(www.lab.nodeid(victim))
    outlet = [
        (e["t"], e["on"]) for e in www.events("nps") if e.get("kind") == "outlet" and e["outlet"] == plug
    ]
    assert any(on and t > cut for t, on in outlet), "the outlet was not switched back on (reboot)"
    wait_for(f"{victim} rejoined", lambda: rejoined(www, victim, next(n for n in NODES if n != victim)), 90)
    assert www.truth.doubles() == []


@pytest.mark.parametrize("www", ["ipmi"], indirect=True)
def test_ipmi_fences_a_killed_node_then_www_moves_and_the_node_rejoins(www: PacemakerWww) -> None:
    victim, owner, cut = fail_over(www, "crash", chassis_offs(www))
    wait_for(f"{victim} rejoined", lambda: rejoined(www, victim, next(n for n in NODES if n != victim)), 90)
    assert www.truth.doubles() == []


@pytest.mark.parametrize("www", ["san"], indirect=True)
def test_san_fabric_fence_then_www_moves_and_the_rejoining_node_is_unfenced(www: PacemakerWww) -> None:
    """A fabric fence stops a node's storage, not its network: a node whose processes died but whose
    address stayed up would still answer at it. So here the owner loses its power (the lab powers these
    nodes); the survivors cut its SAN port, the group moves; when the node boots again, Pacemaker unfences it
    (provides=unfencing) and the switch enables its port before the node runs anything."""
    victim, owner, cut = fail_over(www, "power", port_disables(www))
    assert owner != victim  # nothing boots a fabric-fenced node but the lab
    port = www.lab.nodeid(victim)
    www.lab.power_on(victim)
    wait_for(f"{victim} rejoined", lambda: rejoined(www, victim, owner), 90)

    def enabled_again() -> bool:
        return any(e.get("kind") == "port" and e["port"] == port and e["enabled"] and e["t"] > cut
                   for e in www.events("san"))  # fmt: skip

    wait_for(f"port {port} enabled again (unfencing)", enabled_again, 30)
    assert www.truth.doubles() == []
