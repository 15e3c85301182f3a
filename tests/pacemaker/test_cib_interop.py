"""build_cib() with the real Pacemaker tools, and crm_simulate as the referee of what the CIB means:
where the group runs, that a failed node is fenced before its service moves, failback and nofailback."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from cluster.config import load_cluster_conf
from harness.pacemaker.cib import CibError, build_cib
from harness.pacemaker.translate import PacemakerPlan, translate
from harness.pytest_plugin import require_tool

from .support import DATA, EXCLUSIVE_RM, NPS_DEVICE, addresses, endpoints, nps_fenced, write_conf

pytestmark = pytest.mark.interop
TOOLS = ("cibadmin", "crm_attribute", "crm_verify", "crm_simulate", "crm_resource")
WWW = ("www-fs-docroot", "www-script-httpd", "www-ip-192.0.2.100_24")


@pytest.fixture(autouse=True)
def _tools() -> None:
    for tool in TOOLS:
        require_tool(tool)


def real_plan(conf_path: Path) -> PacemakerPlan:
    """As the lab calls it: no rules given, so the bundled agents' own meta-data is read."""
    conf = load_cluster_conf(conf_path)
    return translate(conf, endpoints(conf), addresses(conf))


def run(argv: list[str], cib: Path | None = None) -> str:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
    if cib is not None:
        env["CIB_file"] = str(cib)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env, check=False)
    assert out.returncode == 0, f"{argv}: {out.stderr}"
    return out.stdout


def simulate(cib: Path, *changes: str, save: Path) -> tuple[list[str], dict[str, str]]:
    """One crm_simulate transition on a quorate cluster: the summary lines and where each resource ends."""
    text = run(["crm_simulate", "-x", str(cib), "-S", "-q", "1", *changes, "-O", str(save)])
    summary = text.split("Transition Summary:", 1)[1].split("Executing Cluster Transition:", 1)[0]
    revised = text.split("Revised Cluster Status:", 1)[1]
    where = {}
    for line in revised.splitlines():
        found = re.match(r"\s*\* (\S+)\s+\(\S+\):\s+(.*)$", line)
        if found:
            where[found.group(1)] = found.group(2).strip()
    return [ln.strip().removeprefix("* ") for ln in summary.splitlines() if ln.strip()], where


def test_the_three_device_cib_verifies_and_holds_every_part(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    build_cib(real_plan(DATA / "three_devices.conf"), cib)
    run(["crm_verify", "-x", str(cib)])
    head = cib.read_text().split(">", 1)[0]
    assert 'epoch="' in head and 'validate-with="pacemaker-' in head  # cibadmin --empty's, not ours
    listing = run(["crm_resource", "--list"], cib)
    expected_lines = (
        "nps\t(stonith:fence_nps)",
        "bmc1\t(stonith:fence_ipmilan_fencelab)",
        "san\t(stonith:fence_ifmib_fencelab)",
        "Resource Group: www",
        "www-ip-192.0.2.100_24\t(ocf:heartbeat:IPaddr2)",
        "www-script-httpd\t(lsb:httpd)",
    )
    for expected in expected_lines:
        assert expected in listing, listing
    topology = run(["cibadmin", "-Q", "-o", "fencing-topology"], cib)
    assert topology.count("<fencing-level ") == 9
    assert 'target="node2" index="2" devices="bmc2"' in topology
    stickiness = run(["crm_resource", "-r", "www", "--meta", "-g", "resource-stickiness"], cib)
    assert stickiness.strip() == "0"


def test_pacemaker_places_www_fences_its_node_and_fails_back(tmp_path: Path) -> None:
    cib = tmp_path / "cib.xml"
    build_cib(real_plan(DATA / "three_devices.conf"), cib)
    summary, where = simulate(cib, "-u", "node1", "-u", "node2", "-u", "node3", save=tmp_path / "s1.xml")
    assert all(where[m] == "Started node1" for m in WWW), where  # the domain's priority 1
    assert {"Fence (on) node1", "Fence (on) node2", "Fence (on) node3"} <= {s.split(" '")[0] for s in summary}

    summary, where = simulate(tmp_path / "s1.xml", "-f", "node1", save=tmp_path / "s2.xml")
    assert any(s.startswith("Fence (reboot) node1") for s in summary), summary
    assert all(where[m] == "Started node2" for m in WWW), where  # priority 2, never node3 (restricted)

    summary, where = simulate(tmp_path / "s2.xml", "-f", "node2", save=tmp_path / "s3.xml")
    assert all(where[m] == "Stopped" for m in WWW), where  # node3 is outside the restricted domain

    summary, where = simulate(tmp_path / "s2.xml", "-u", "node1", save=tmp_path / "s4.xml")
    assert all(where[m] == "Started node1" for m in WWW), where  # ordered, no nofailback: back to node1


def test_nofailback_keeps_www_where_it_moved(tmp_path: Path) -> None:
    conf = tmp_path / "nofailback.conf"
    text = (DATA / "three_devices.conf").read_text()
    conf.write_text(text.replace('nofailback="0"', 'nofailback="1"'))
    cib = tmp_path / "cib.xml"
    build_cib(real_plan(conf), cib)
    simulate(cib, "-u", "node1", "-u", "node2", "-u", "node3", save=tmp_path / "s1.xml")
    simulate(tmp_path / "s1.xml", "-f", "node1", save=tmp_path / "s2.xml")
    _, where = simulate(tmp_path / "s2.xml", "-u", "node1", save=tmp_path / "s3.xml")
    assert all(where[m] == "Started node2" for m in WWW), where


def test_an_exclusive_service_runs_alone_and_nothing_joins_it(tmp_path: Path) -> None:
    conf = write_conf(
        tmp_path, f"{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices><rm>{EXCLUSIVE_RM}</rm>"
    )
    cib = tmp_path / "cib.xml"
    build_cib(real_plan(conf), cib)
    ips = ("big-ip-192.0.2.70", "a-ip-192.0.2.71", "b-ip-192.0.2.72")
    _, where = simulate(cib, "-u", "node1", "-u", "node2", "-u", "node3", save=tmp_path / "s1.xml")
    assert len({where[ip] for ip in ips}) == 3, where  # one node each
    big_node = where[ips[0]].split()[-1]
    others = sorted({"node1", "node2", "node3"} - {big_node})
    _, where = simulate(tmp_path / "s1.xml", "-f", others[0], save=tmp_path / "s2.xml")
    assert where[ips[0]] == f"Started {big_node}"
    assert where[ips[1]] == where[ips[2]] == f"Started {others[1]}", where  # together, not beside big
    _, where = simulate(tmp_path / "s2.xml", "-f", others[1], save=tmp_path / "s3.xml")
    assert where[ips[0]] == f"Started {big_node}" and where[ips[1]] == where[ips[2]] == "Stopped", where


def test_a_cib_crm_verify_rejects_is_one_line_with_its_complaint(tmp_path: Path) -> None:
    plan = real_plan(DATA / "three_devices.conf")
    bad = dataclasses.replace(plan, properties={**plan.properties, "no-quorum-policy": "dance"})
    with pytest.raises(CibError) as caught:
        build_cib(bad, tmp_path / "cib.xml")
    message = str(caught.value)
    assert "\n" not in message and "crm_verify rejects cib.xml" in message and "'dance' is invalid" in message
    schema = dataclasses.replace(plan, constraints=['<rsc_location id="x" rsc="www" score="5"/>'])
    with pytest.raises(CibError, match="cibadmin refused constraints element rsc_location x: Call failed"):
        build_cib(schema, tmp_path / "cib2.xml")


def test_no_password_is_in_a_tools_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Other users see argv in `ps`: the device passwords go to cibadmin on stdin only; the CIB is 0600."""
    seen: list[list[str]] = []
    real = subprocess.run

    def spy(argv: list[str], *args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        seen.append(list(argv))
        return real(argv, *args, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr("harness.pacemaker.cib.subprocess.run", spy)
    cib = tmp_path / "cib.xml"
    build_cib(real_plan(DATA / "three_devices.conf"), cib)
    assert "s3cret-nps" in cib.read_text() and "fabric-rw" in cib.read_text()  # Pacemaker keeps them
    assert cib.stat().st_mode & 0o777 == 0o600  # so the file is the owner's alone
    assert len(seen) > 3
    assert not [
        argv for argv in seen if any("s3cret-nps" in a or "calvin" in a or "fabric-rw" in a for a in argv)
    ]


def test_an_installed_heartbeat_agent_runs_as_itself(tmp_path: Path) -> None:
    from rm.support import require_ocf_agent

    require_ocf_agent("Dummy")
    rm = '<service name="s"><Dummy name="d1" state="/run/fl-d1.state"/></service>'
    conf = write_conf(tmp_path, f"{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices><rm>{rm}</rm>")
    cib = tmp_path / "cib.xml"
    build_cib(real_plan(conf), cib)  # the Dummy rule comes from the agent's own meta-data
    listing = run(["crm_resource", "--list"], cib)
    assert "s-Dummy-d1\t(ocf:heartbeat:Dummy)" in listing, listing
    _, where = simulate(cib, "-u", "node1", "-u", "node2", "-u", "node3", save=tmp_path / "s1.xml")
    assert where["s-Dummy-d1"].startswith("Started node"), where
