"""rgmanager's behaviours on real machines: restart in place then relocate, clusvcadm relocate/disable/
enable, failback with and without nofailback, a restricted domain with nobody online, exclusive services,
a stop that fails, and a heartbeat OCF agent (Dummy) as a resource."""

from __future__ import annotations

import os
import signal

import pytest

from harness.waiting import wait_for

from .conftest import PAGE, WwwLab

pytestmark = pytest.mark.slow
ERR = (OSError, StopIteration)

DUMMY_DOMAIN = (
    """<failoverdomain name="only3" restricted="1"><failoverdomainnode name="node3"/></failoverdomain>"""
)
DUMMY_SERVICE = """<service name="dummy" domain="only3" recovery="relocate">
      <Dummy name="d1" state="/run/dummy.state"/>
    </service>
    <service name="solo" exclusive="1" recovery="relocate">
      <Dummy name="d2" state="/run/solo.state"/>
    </service>"""


@pytest.mark.www(recovery="restart", max_restarts=1)
def test_restart_in_place_up_to_max_restarts_then_relocate(www_lab: WwwLab) -> None:
    wait_for("www on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=ERR)
    www_lab.kill_httpd("node1")  # the first failure: restarted where it is

    def restarted() -> bool:
        return www_lab.service()["restarts"] == 1 and www_lab.running("www", "node1")

    wait_for("a restart in place", restarted, 30, retry_on=ERR)
    assert wait_for("the page again", www_lab.http, 20) == PAGE
    www_lab.kill_httpd("node1")  # past max_restarts: relocated to the next node of the domain
    wait_for("www relocated to node2", lambda: www_lab.running("www", "node2"), 60, retry_on=ERR)
    assert wait_for("the page from node2", www_lab.http, 20) == PAGE
    assert www_lab.truth.doubles() == []


def test_clusvcadm_relocate_disable_enable(www_lab: WwwLab) -> None:
    wait_for("www on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=ERR)
    out = www_lab.tool("node2", "clusvcadm", "-r", "www", "-m", "node3")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == [
        "Trying to relocate service:www to node3...Success",
        "service:www is now running on node3",
    ]
    assert www_lab.running("www", "node3") and wait_for("the page", www_lab.http, 20) == PAGE
    out = www_lab.tool("node1", "clusvcadm", "-d", "www")
    assert (out.returncode, out.stdout.strip()) == (0, "Local machine disabling service:www...Success")
    assert www_lab.service()["state"] == 119 and www_lab.http(timeout=1) is None
    status = www_lab.tool("node1", "clustat", "-s", "www")
    assert status.returncode == 119 and "disabled" in status.stdout
    out = www_lab.tool("node2", "clusvcadm", "-e", "www")
    assert out.returncode == 0 and out.stdout.startswith(
        "Local machine trying to enable service:www...Success"
    )
    wait_for("www enabled on a node", lambda: www_lab.service()["state"] == 112, 30, retry_on=ERR)
    locked = www_lab.tool("node3", "clusvcadm", "-l")
    assert (locked.returncode, locked.stdout.strip()) == (0, "Resource groups locked")
    asked = www_lab.tool("node1", "clusvcadm", "-S")
    assert wait_for(
        "the lock everywhere",
        lambda: www_lab.tool("node1", "clusvcadm", "-S").stdout.strip() == "Resource groups locked",
        10,
    )
    del asked
    refused = www_lab.tool("node2", "clusvcadm", "-r", "www", "-m", "node2")
    assert refused.returncode == 250 and refused.stdout.strip().endswith("...Temporary failure; try again")
    unlocked = www_lab.tool("node2", "clusvcadm", "-u")
    assert (unlocked.returncode, unlocked.stdout.strip()) == (0, "Resource groups unlocked")
    missing = www_lab.tool("node2", "clusvcadm", "-e", "nosuch")
    assert (missing.returncode, missing.stdout.strip()) == (
        252,
        "Local machine trying to enable service:nosuch...Service does not exist",
    )
    assert www_lab.truth.doubles() == []


@pytest.mark.www(nofailback=0)
def test_failback_to_the_preferred_node_when_it_returns(www_lab: WwwLab) -> None:
    wait_for("www on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=ERR)
    pid = www_lab.lab.node_pid("node1")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for("www on node2", lambda: www_lab.running("www", "node2"), 60, retry_on=ERR)
    wait_for("www back on node1 after it rejoined", lambda: www_lab.running("www", "node1"), 90, retry_on=ERR)
    assert wait_for("the page from node1", www_lab.http, 20) == PAGE
    assert www_lab.truth.doubles() == []


def test_nofailback_keeps_the_service_where_it_is(www_lab: WwwLab) -> None:
    wait_for("www on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=ERR)
    pid = www_lab.lab.node_pid("node1")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    wait_for("www on node2", lambda: www_lab.running("www", "node2"), 60, retry_on=ERR)
    wait_for("node1 back", lambda: www_lab.lab.node_pid("node1") not in (None, pid), 60)
    wait_for("node1 a member of node2's view", lambda: 1 in www_lab.service_members(), 60, retry_on=ERR)
    for _ in range(3):  # several status rounds after node1 returned: still on node2
        assert wait_for("a status round", lambda: www_lab.running("www", "node2"), 5, retry_on=ERR)
    assert www_lab.truth.doubles() == []


@pytest.mark.www(extra_domains=DUMMY_DOMAIN, extra_services=DUMMY_SERVICE)
def test_heartbeat_dummy_restricted_domain_and_exclusive(www_lab: WwwLab) -> None:
    wait_for("www on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=ERR)
    wait_for("dummy on node3", lambda: www_lab.running("dummy", "node3"), 60, retry_on=ERR)
    wait_for("solo started", lambda: www_lab.service(name="solo")["state"] == 112, 60, retry_on=ERR)
    assert www_lab.node_file("node3", "/run/dummy.state") is not None  # Dummy's own state file, on node3
    assert www_lab.service(name="solo")["owner"] == "node2"  # exclusive: the one node running nothing else
    pid = www_lab.lab.node_pid("node3")
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # the only member of dummy's restricted domain goes away
    wait_for(
        "dummy stopped, not moved", lambda: www_lab.service(name="dummy")["state"] == 110, 60, retry_on=ERR
    )
    assert www_lab.service(name="dummy")["owner"] is None
    assert www_lab.running("www", "node1") and www_lab.running("solo", "node2")


STICKY_RESOURCE = '<script name="sticky" file="{file}"/>'


def test_a_stop_that_fails_leaves_the_service_failed_until_disabled(www_lab: WwwLab) -> None:
    wait_for("www on node1", lambda: www_lab.running("www", "node1"), 60, retry_on=ERR)
    script = www_lab.root / "httpd.sh"
    script.write_text(script.read_text().replace("  stop)\n", "  stop)\n    exit 1\n"))  # stop now fails
    out = www_lab.tool("node2", "clusvcadm", "-r", "www", "-m", "node2")
    assert out.returncode != 0
    wait_for("www failed", lambda: www_lab.service()["state"] == 114, 60, retry_on=ERR)
    again = www_lab.tool("node2", "clusvcadm", "-e", "www")
    assert again.returncode != 0  # a failed service needs a person: disable first
    disable = www_lab.tool("node2", "clusvcadm", "-d", "www")
    assert disable.returncode in (0, 237), disable.stdout  # disabled, or disabled with a warning (EWARNING)
    wait_for("www disabled", lambda: www_lab.service()["state"] == 119, 30, retry_on=ERR)
