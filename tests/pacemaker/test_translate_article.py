"""The seed article's cluster and the repository's example confs through translate() (and the real tools)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cluster.config import load_cluster_conf
from harness.pacemaker.cib import build_cib
from harness.pacemaker.translate import TranslateError, translate
from harness.pytest_plugin import require_tool

from .support import addresses, by_id, element, lab_plan, params

TESTS = Path(__file__).parents[1]
FULL = TESTS / "cluster" / "data" / "full.conf"  # Listings 1-3 and 6-7 of the article in one cluster.conf
EXAMPLE = TESTS.parent / "examples" / "cluster.conf"


def test_the_articles_cluster_as_a_two_node_pacemaker_cluster() -> None:
    plan = lab_plan(load_cluster_conf(FULL))
    assert "    two_node: 1\n" in plan.corosync_conf and "    token: 30000\n" in plan.corosync_conf
    assert "expected_votes:" not in plan.corosync_conf
    nps = params(by_id(plan, "nps"))
    assert nps["pcmk_host_map"] == "iscsi1:1;iscsi2:1" and nps["password"] == "redhat123"
    assert any(":38: fencedevice nps: plug 1 fences iscsi1 and iscsi2" in w for w in plan.warnings)
    www = by_id(plan, "www")
    fs = next(p for p in www.iter("primitive") if p.get("type") == "Filesystem")
    stop = next(o for o in fs.iter("op") if o.get("name") == "stop")
    assert stop.get("on-fail") == "fence"  # self_fence="1": a failed unmount reboots the node
    locs = {el.get("node"): el.get("score") for el in map(element, plan.constraints)}
    assert locs == {"iscsi1": "1000", "iscsi2": "1000"}  # unordered: Listing 6's priorities are not read


def test_without_endpoints_an_empty_address_is_left_out_with_a_warning() -> None:
    conf = load_cluster_conf(FULL)
    from rm.support import fixture_rules

    plan = translate(conf, None, addresses(conf), rules=fixture_rules())
    assert "ip" not in params(by_id(plan, "nps"))
    assert any("ipaddr is empty" in w for w in plan.warnings)


def test_the_tour_example_translates() -> None:
    plan = lab_plan(load_cluster_conf(EXAMPLE))
    assert "    token: 2000\n" in plan.corosync_conf and "cluster_name: tourcluster" in plan.corosync_conf
    assert params(by_id(plan, "nps"))["pcmk_host_map"] == "node1:1;node2:2;node3:3"
    assert plan.warnings == []


def test_listing1_has_no_fencing_and_is_refused() -> None:
    conf = load_cluster_conf(TESTS / "cluster" / "data" / "listing1.conf")
    with pytest.raises(TranslateError, match=r"listing1.conf:5: clusternode iscsi1 has no fence method"):
        lab_plan(conf)


@pytest.mark.interop
def test_the_articles_cluster_verifies_with_the_real_tools(tmp_path: Path) -> None:
    for tool in ("cibadmin", "crm_attribute", "crm_verify"):
        require_tool(tool)
    conf = load_cluster_conf(FULL)
    build_cib(translate(conf, {"nps": ("192.0.2.254", 2323)}, addresses(conf)), tmp_path / "cib.xml")
    assert "iscsi1:1;iscsi2:1" in (tmp_path / "cib.xml").read_text()


@pytest.mark.interop
@pytest.mark.parametrize("conf_path", [FULL, EXAMPLE, TESTS / "pacemaker" / "data" / "three_devices.conf"])
def test_corosync_accepts_the_corosync_conf(tmp_path: Path, conf_path: Path) -> None:
    """`corosync -t` parses and checks the file (it needs one nodelist address to be local: loopback)."""
    corosync = require_tool("corosync")
    conf = load_cluster_conf(conf_path)
    loopback = {n.name: f"127.0.0.{n.nodeid}" for n in conf.nodes}
    text = translate(conf, None, loopback).corosync_conf
    assert "    to_logfile: yes\n" in text
    path = tmp_path / "corosync.conf"  # its log to stderr: the check must not write the host's log
    path.write_text(text.replace("    to_logfile: yes\n", "    to_logfile: no\n"))
    out = subprocess.run([corosync, "-t", "-c", str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    path.write_text(
        text.replace("token_coefficient: 0", "token_coefficient: {").replace(
            "to_logfile: yes", "to_logfile: no"
        )
    )
    broken = subprocess.run([corosync, "-t", "-c", str(path)], capture_output=True, text=True, timeout=30)
    assert broken.returncode != 0  # the check can fail
