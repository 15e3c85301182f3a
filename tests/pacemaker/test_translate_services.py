"""translate(): <rm> services as Pacemaker groups, failover domains as location constraints."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rm.support import fixture_rules

from cluster.config import load_cluster_conf
from cluster.rm.conf_build import StaticRules
from cluster.rm.rules import parse_metadata
from harness.pacemaker.translate import PacemakerPlan, TranslateError

from .support import DATA, EXCLUSIVE_RM, NPS_DEVICE, by_id, conf_of, element, lab_plan, nps_fenced, params

LISTING7 = Path(__file__).parents[1] / "rm" / "data" / "listing7-corrected.conf"


def with_rm(tmp_path: Path, rm: str, nodes: int = 3) -> PacemakerPlan:
    return lab_plan(
        conf_of(tmp_path, f"{nps_fenced(nodes)}<fencedevices>{NPS_DEVICE}</fencedevices>\n<rm>{rm}</rm>")
    )


def members(plan: PacemakerPlan, group: str) -> list[tuple[str, str]]:
    el = by_id(plan, group)
    assert el.tag == "group"
    return [
        (p.get("id"), f"{p.get('class')}:{p.get('provider') or ''}:{p.get('type')}")
        for p in el.findall("primitive")
    ]


def locations(plan: PacemakerPlan) -> dict[str, str]:
    return {
        el.get("node"): el.get("score") for el in map(element, plan.constraints) if el.tag == "rsc_location"
    }


def stickiness(plan: PacemakerPlan, group: str) -> int:
    return int(params(by_id(plan, group), "meta_attributes")["resource-stickiness"])


def listing7_with_fencing(tmp_path: Path) -> PacemakerPlan:
    """The article's Listings 6/7 (corrected) with an NPS fencing each node, as a lab would run it."""
    text = LISTING7.read_text().replace(
        '<clusternodes>\n    <clusternode name="node1" nodeid="1"/>\n'
        '    <clusternode name="node2" nodeid="2"/>\n    <clusternode name="node3" nodeid="3"/>\n'
        "  </clusternodes>",
        nps_fenced() + f"<fencedevices>{NPS_DEVICE}</fencedevices>",
    )
    assert text != LISTING7.read_text()
    path = tmp_path / "listing7.conf"
    path.write_text(text)
    return lab_plan(load_cluster_conf(path))


def test_listing7_www_is_a_group_in_rgmanager_start_order(tmp_path: Path) -> None:
    plan = listing7_with_fencing(tmp_path)
    assert members(plan, "www") == [
        ("www-fs-docroot", "ocf:heartbeat:Filesystem"),  # fs (level 2), then its child script
        ("www-script-httpd", "lsb::httpd"),
        ("www-ip-192.0.2.100", "ocf:heartbeat:IPaddr2"),  # ip: level 7 of the service
    ]
    fs = params(plan_member(plan, "www-fs-docroot"))
    assert fs == {
        "device": "/dev/vdb1",
        "directory": "/var/www/html/",
        "fstype": "ext3",
        "force_unmount": "true",
    }
    assert params(plan_member(plan, "www-ip-192.0.2.100")) == {"ip": "192.0.2.100", "cidr_netmask": "24"}
    assert plan.node_files == {"/etc/init.d/httpd": "/etc/init.d/httpd"}


def test_listing7_unordered_nofailback_domain(tmp_path: Path) -> None:
    plan = listing7_with_fencing(tmp_path)
    assert locations(plan) == {"node1": "1000", "node2": "1000"}  # unordered: priorities are not read
    assert stickiness(plan, "www") >= 1  # stays where it runs among equals


def plan_member(plan: PacemakerPlan, rid: str):  # type: ignore[no-untyped-def]
    for text in plan.resources:
        for prim in element(text).iter("primitive"):
            if prim.get("id") == rid:
                return prim
    raise AssertionError(rid)


def op(prim, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    found = [dict(o.attrib) for o in prim.iter("op") if o.get("name") == name]
    assert len(found) == 1, found
    return found[0]


def test_three_devices_www_monitor_and_stop_ops() -> None:
    plan = lab_plan(load_cluster_conf(DATA / "three_devices.conf"))
    ip = plan_member(plan, "www-ip-192.0.2.100_24")
    assert params(ip)["cidr_netmask"] == "24"
    assert op(ip, "monitor")["interval"] == "20s"  # ip's status interval in rgmanager
    assert op(ip, "stop")["on-fail"] == "block"  # rgmanager: failed stop = failed, for a person
    fs = plan_member(plan, "www-fs-docroot")
    assert op(fs, "start")["timeout"] == "900s" and op(fs, "monitor")["interval"] == "60s"
    assert plan.node_files == {"/etc/init.d/httpd": "/usr/local/lib/www/httpd"}


def test_ordered_restricted_domain_scores_and_failback(tmp_path: Path) -> None:
    plan = lab_plan(load_cluster_conf(DATA / "three_devices.conf"))
    assert locations(plan) == {"node1": "999", "node2": "998", "node3": "-INFINITY"}
    assert stickiness(plan, "www") == 0  # ordered without nofailback: the best node takes it back
    assert params(by_id(plan, "www"), "meta_attributes")["migration-threshold"] == "1"  # relocate


def test_ordered_nofailback_stickiness_beats_the_spread_not_a_member(tmp_path: Path) -> None:
    rm = (
        '<failoverdomains><failoverdomain name="d" ordered="1" nofailback="1">'
        '<failoverdomainnode name="node1" priority="1"/><failoverdomainnode name="node2" priority="5"/>'
        "</failoverdomain></failoverdomains>"
        '<service name="s" domain="d"><ip address="192.0.2.50"/><script name="x" file="/bin/x"/></service>'
    )
    plan = with_rm(tmp_path, rm)
    scores = locations(plan)
    assert scores == {"node1": "999", "node2": "995"}
    total = stickiness(plan, "s") * 2  # a group's stickiness is the sum of its members'
    assert total > 999 - 995  # node1 returning does not pull it back from node2
    assert total < 995  # but a member returning still pulls it in from node3 (score 0)


def test_no_domain_keeps_a_service_where_it_runs(tmp_path: Path) -> None:
    plan = with_rm(tmp_path, '<service name="s"><ip address="192.0.2.50"/></service>')
    assert locations(plan) == {} and stickiness(plan, "s") == 1


def test_recovery_and_autostart_meta(tmp_path: Path) -> None:
    rm = (
        '<service name="a" autostart="0" max_restarts="2" restart_expire_time="5m"><ip address="192.0.2.51"/>'
        '</service><service name="b" recovery="disable"><ip address="192.0.2.52"/></service>'
        '<service name="c" recovery="restart-disable" max_restarts="1"><ip address="192.0.2.53"/></service>'
    )
    plan = with_rm(tmp_path, rm)
    meta = params(by_id(plan, "a"), "meta_attributes")
    assert meta["target-role"] == "Stopped"
    assert meta["migration-threshold"] == "3" and meta["failure-timeout"] == "300s"
    assert op(plan_member(plan, "b-ip-192.0.2.52"), "monitor")["on-fail"] == "stop"
    assert params(by_id(plan, "c"), "meta_attributes")["migration-threshold"] == "2"
    assert any("restart-disable" in w for w in plan.warnings)


def test_depend_becomes_an_order_constraint(tmp_path: Path) -> None:
    rm = (
        '<service name="db"><ip address="192.0.2.61"/></service>'
        '<service name="app" depend="service:db"><ip address="192.0.2.62"/></service>'
    )
    orders = [el for el in map(element, with_rm(tmp_path, rm).constraints) if el.tag == "rsc_order"]
    assert [(o.get("first"), o.get("then"), o.get("kind")) for o in orders] == [("db", "app", "Mandatory")]


def test_any_ocf_agent_runs_as_itself(tmp_path: Path) -> None:
    dummy = parse_metadata(
        '<resource-agent name="Dummy"><parameters><parameter name="state"><content type="string"/>'
        '</parameter></parameters><actions><action name="monitor" interval="10" timeout="20"/></actions>'
        "</resource-agent>"
    )
    rules = dict(fixture_rules().rules)
    rules["Dummy"] = dataclasses.replace(dummy, agent_path="/usr/lib/ocf/resource.d/heartbeat/Dummy")
    conf = conf_of(
        tmp_path,
        f'{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices><rm><service name="s">'
        '<Dummy name="d1" state="/run/d1.state"/></service></rm>',
    )
    plan = lab_plan(conf, rules=StaticRules(rules))
    prim = plan_member(plan, "s-Dummy-d1")
    assert (prim.get("class"), prim.get("provider"), prim.get("type")) == ("ocf", "heartbeat", "Dummy")
    assert params(prim) == {"state": "/run/d1.state"}  # the implicit rgmanager "name" is not an OCF parameter
    assert op(prim, "monitor")["interval"] == "10s"


def test_a_type_with_no_ocf_agent_is_refused(tmp_path: Path) -> None:
    thing = parse_metadata('<resource-agent name="thing"><parameters/></resource-agent>')
    rules = StaticRules({**fixture_rules().rules, "thing": thing})
    conf = conf_of(
        tmp_path,
        f'{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices><rm><service name="s">\n<thing name="t"/>'
        "</service></rm>",
    )
    with pytest.raises(TranslateError, match=r"cluster.conf:4: <thing>: no Pacemaker agent"):
        lab_plan(conf, rules=rules)


RM_REFUSED = {
    "vm": ('\n<vm name="guest1"/>', ":5: <vm guest1>: virtual machines do not translate"),
    "independent subtree": (
        '<service name="s">\n<ip address="192.0.2.9" __independent_subtree="1"/></service>',
        ":5: ip:192.0.2.9 of service s: __independent_subtree",
    ),
    "same script name": (
        '<service name="s"><script name="a" file="/opt/a/run"/>\n<script name="b" '
        'file="/opt/b/run"/></service>',
        ":5: script b: /opt/b/run and /opt/a/run would both be /etc/init.d/run",
    ),
    "fs without fstype": (
        '<service name="s">\n<fs name="data" device="/dev/vdc" mountpoint="/data"/></service>',
        ":5: fs data: no fstype: ocf:heartbeat:Filesystem needs one",
    ),
    "rgmanager drop": (
        '<service name="s">\n<ip ref="192.0.2.99"/></service>',
        ':5: <ip>: Reference to nonexistent resource ip:"192.0.2.99"',
    ),
}


@pytest.mark.parametrize("case", sorted(RM_REFUSED))
def test_rm_features_pacemaker_cannot_express(tmp_path: Path, case: str) -> None:
    rm, expected = RM_REFUSED[case]
    with pytest.raises(TranslateError) as caught:
        with_rm(tmp_path, rm)
    message = str(caught.value)
    assert "\n" not in message and expected in message, message
    assert message.startswith(str(tmp_path / "cluster.conf")), message


def test_an_empty_service_is_left_out(tmp_path: Path) -> None:
    plan = with_rm(tmp_path, '<service name="nothing"/>')
    assert [element(t).get("id") for t in plan.resources] == ["nps"]
    assert any("nothing has no resources" in w for w in plan.warnings)


def test_exclusive_is_utilization_every_slot_of_a_node(tmp_path: Path) -> None:
    plan = with_rm(tmp_path, EXCLUSIVE_RM)
    assert plan.properties["placement-strategy"] == "utilization"
    nodes = [element(t) for t in plan.nodes]
    assert [(n.get("id"), n.get("uname")) for n in nodes] == [("1", "node1"), ("2", "node2"), ("3", "node3")]
    assert all(params(n, "utilization") == {"services": "3"} for n in nodes)
    assert params(plan_member(plan, "big-ip-192.0.2.70"), "utilization") == {"services": "3"}
    assert params(plan_member(plan, "a-ip-192.0.2.71"), "utilization") == {"services": "1"}


def test_without_exclusive_services_there_is_no_utilization(tmp_path: Path) -> None:
    plan = with_rm(tmp_path, '<service name="a"><ip address="192.0.2.71"/></service>')
    assert plan.nodes == [] and "placement-strategy" not in plan.properties
    assert plan_member(plan, "a-ip-192.0.2.71").find("utilization") is None


def test_an_ipv6_address_gets_a_64_prefix_unless_given(tmp_path: Path) -> None:
    rm = '<service name="v6"><ip address="2001:db8::10"/><ip address="2001:db8::11/112"/></service>'
    plan = with_rm(tmp_path, rm)
    got = [params(p) for p in by_id(plan, "v6").iter("primitive")]
    assert got == [
        {"ip": "2001:db8::10", "cidr_netmask": "64"},
        {"ip": "2001:db8::11", "cidr_netmask": "112"},
    ]


def test_the_same_conf_gives_the_same_plan(tmp_path: Path) -> None:
    conf = load_cluster_conf(DATA / "three_devices.conf")
    assert lab_plan(conf) == lab_plan(conf)  # ids and order come from the conf, nothing random
