"""translate(): corosync.conf, properties, stonith resources and fencing topology from cluster.conf."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.config import load_cluster_conf
from harness.pacemaker.translate import TranslateError, translate

from .support import (
    DATA,
    HUB,
    NPS_DEVICE,
    addresses,
    by_id,
    conf_of,
    element,
    endpoints,
    lab_plan,
    nps_fenced,
    params,
)

THREE = DATA / "three_devices.conf"


def test_corosync_conf_carries_name_token_nodelist_and_logging() -> None:
    conf = load_cluster_conf(THREE)
    text = lab_plan(conf).corosync_conf
    for line in (
        "cluster_name: pcmklab",
        "transport: knet",
        "crypto_cipher: none",
        "crypto_hash: none",
        "token: 1000",
        "provider: corosync_votequorum",
        "logfile: /var/log/corosync/corosync.log",
        "to_stderr: no",
    ):
        assert f"    {line}\n" in text, line
    assert "name: node2\n        nodeid: 2\n        ring0_addr: 192.0.2.2\n" in text
    assert "    consensus:" not in text  # not in <totem>: corosync's own default
    assert "two_node" not in text


def test_expected_votes_and_votes_carry_over(tmp_path: Path) -> None:
    body = (
        '<cman expected_votes="5"/><clusternodes><clusternode name="a" nodeid="1" votes="3"><fence>'
        '<method name="1"><device name="nps" port="1"/></method></fence></clusternode>'
        '<clusternode name="b" nodeid="2"><fence><method name="1"><device name="nps" port="2"/></method>'
        f"</fence></clusternode></clusternodes><fencedevices>{NPS_DEVICE}</fencedevices>"
    )
    text = lab_plan(conf_of(tmp_path, body)).corosync_conf
    assert "    expected_votes: 5\n" in text and "        quorum_votes: 3\n" in text


def test_two_node_expected_votes_consensus_and_votes_carry_over(tmp_path: Path) -> None:
    body = (
        '<cman two_node="1" expected_votes="1"/><totem token="2000" consensus="3000"/>'
        '<clusternodes><clusternode name="a" nodeid="1" votes="1"><fence><method name="1">'
        '<device name="nps" port="1"/></method></fence></clusternode>'
        '<clusternode name="b" nodeid="2"><fence><method name="1"><device name="nps" port="2"/></method>'
        f"</fence></clusternode></clusternodes><fencedevices>{NPS_DEVICE}</fencedevices>"
    )
    plan = lab_plan(conf_of(tmp_path, body))
    text = plan.corosync_conf
    assert "    two_node: 1\n" in text
    assert "expected_votes:" not in text  # cman's "1" is votequorum's 2 votes with two_node (quorum 1)
    assert any("two_node: corosync implies wait_for_all" in w for w in plan.warnings)
    assert "    consensus: 3000\n" in text and "    token: 2000\n" in text


def test_a_consensus_below_token_in_three_nodes_is_kept_with_a_warning(tmp_path: Path) -> None:
    body = f'<totem token="2000" consensus="1000"/>{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices>'
    plan = lab_plan(conf_of(tmp_path, body))
    assert "    consensus: 1000\n" in plan.corosync_conf
    assert any("consensus=1000" in w and ":3:" in w and "odd membership" in w for w in plan.warnings)
    two = f'<totem token="2000" consensus="1000"/>{nps_fenced(2)}<fencedevices>{NPS_DEVICE}</fencedevices>'
    assert lab_plan(conf_of(tmp_path, two)).warnings == []  # corosync.conf(5): safe with two nodes


def test_a_consensus_below_join_is_refused(tmp_path: Path) -> None:
    totem = '<totem token="2000" join="100" consensus="50"/>'
    body = f"{totem}{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices>"
    with pytest.raises(
        TranslateError, match=r"cluster.conf:3: <totem consensus=50> is below join \(100 ms\)"
    ):
        lab_plan(conf_of(tmp_path, body))


def test_properties_enable_stonith_with_a_short_dc_deadtime() -> None:
    plan = lab_plan(load_cluster_conf(THREE), dc_deadtime="3s")
    assert plan.properties["stonith-enabled"] == "true"
    assert plan.properties["dc-deadtime"] == "3s"
    assert plan.properties["no-quorum-policy"] == "stop"
    assert plan.properties["cluster-name"] == "pcmklab"
    assert lab_plan(load_cluster_conf(THREE)).properties["dc-deadtime"] == "2s"


def test_nps_primitive_maps_plugs_and_points_at_the_emulator() -> None:
    conf = load_cluster_conf(THREE)
    nps = by_id(lab_plan(conf), "nps")
    assert (nps.get("class"), nps.get("type")) == ("stonith", "fence_nps")
    got = params(nps)
    port = endpoints(conf)["nps"][1]
    assert got["ip"] == HUB and got["ipport"] == str(port)  # the conf's 10.1.1.50 is replaced
    assert (got["username"], got["password"]) == ("admin", "s3cret-nps")  # fencing.py's stdin names
    assert got["pcmk_host_map"] == "node1:1;node2:2;node3:3"
    assert got["pcmk_host_list"] == "node1,node2,node3"
    assert "ipaddr" not in got and "passwd" not in got and "login" not in got


def test_bmc_sends_no_plug_and_the_stock_name_is_kept_aside() -> None:
    bmc = by_id(lab_plan(load_cluster_conf(THREE)), "bmc2")
    got = params(bmc)
    assert bmc.get("type") == "fence_ipmilan_fencelab"  # install-agents' default rule
    assert got["pcmk_host_argument"] == "none" and got["pcmk_host_list"] == "node2"
    assert got["lanplus"] == "1" and "pcmk_host_map" not in got


def test_agent_names_choose_the_installed_name() -> None:
    conf = load_cluster_conf(THREE)
    plan = lab_plan(conf, agent_names={"fence_ipmilan": "fence_ipmilan", "fence_nps": "fence_nps"})
    assert by_id(plan, "bmc1").get("type") == "fence_ipmilan"


def test_san_fences_off_and_provides_unfencing() -> None:
    san = by_id(lab_plan(load_cluster_conf(THREE)), "san")
    assert params(san)["pcmk_reboot_action"] == "off"  # a fabric agent has no reboot
    assert params(san)["community"] == "fabric-rw"
    assert params(san, "meta_attributes") == {"provides": "unfencing"}
    assert "provides" not in params(by_id(lab_plan(load_cluster_conf(THREE)), "nps"), "meta_attributes")


def test_topology_has_one_level_per_method_in_order() -> None:
    levels = [element(t) for t in lab_plan(load_cluster_conf(THREE)).topology]
    node2 = [(lv.get("index"), lv.get("devices")) for lv in levels if lv.get("target") == "node2"]
    assert node2 == [("1", "nps"), ("2", "bmc2"), ("3", "san")]
    assert len(levels) == 9


def test_without_endpoints_the_conf_addresses_stay() -> None:
    conf = load_cluster_conf(THREE)
    from rm.support import fixture_rules

    plan = translate(conf, None, addresses(conf), rules=fixture_rules())
    assert params(by_id(plan, "nps"))["ip"] == "10.1.1.50"
    assert "ipport" not in params(by_id(plan, "nps"))


def test_listing3_shared_plug_is_a_warning(tmp_path: Path) -> None:
    # the article's Listing 3: both nodes on plug 1 of the same switch
    body = (
        '<cman two_node="1" expected_votes="1"/><clusternodes>'
        '<clusternode name="iscsi1" votes="1" nodeid="1"><fence><method name="1">'
        '<device name="nps" port="1"/></method></fence></clusternode>'
        '<clusternode name="iscsi2" votes="1" nodeid="2"><fence><method name="1">'
        '<device name="nps" port="1"/></method></fence></clusternode></clusternodes>'
        '<fencedevices><fencedevice name="nps" agent="fence_nps" ipaddr="" passwd="redhat123"/>'
        "</fencedevices>"
    )
    plan = lab_plan(conf_of(tmp_path, body))
    assert params(by_id(plan, "nps"))["pcmk_host_map"] == "iscsi1:1;iscsi2:1"
    assert any("plug 1 fences iscsi1 and iscsi2" in w for w in plan.warnings)
    assert all("redhat123" not in w for w in plan.warnings)


def test_per_node_settings_split_a_device(tmp_path: Path) -> None:
    body = (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1">'
        '<device name="ipmi" ipaddr="10.0.0.1" lanplus="1"/></method></fence></clusternode>'
        '<clusternode name="b" nodeid="2"><fence><method name="1">'
        '<device name="ipmi" ipaddr="10.0.0.2"/></method></fence></clusternode></clusternodes>'
        '<fencedevices><fencedevice name="ipmi" agent="fence_ipmilan" login="u" passwd="p"/></fencedevices>'
    )
    conf = conf_of(tmp_path, body)
    from rm.support import fixture_rules

    plan = translate(conf, None, addresses(conf), rules=fixture_rules())
    first, second = by_id(plan, "ipmi"), by_id(plan, "ipmi-2")
    assert params(first)["ip"] == "10.0.0.1" and params(first)["lanplus"] == "1"
    assert params(first)["pcmk_host_list"] == "a"
    assert params(second)["ip"] == "10.0.0.2" and params(second)["pcmk_host_list"] == "b"
    assert "lanplus" not in params(second)
    assert [element(t).get("devices") for t in plan.topology] == ["ipmi", "ipmi-2"]


def test_fenced_dual_power_idiom_becomes_one_level(tmp_path: Path) -> None:
    method = (
        '<method name="dual"><device name="psu1" port="1" action="off"/><device name="psu2" '
        'port="1" action="off"/>'
        '<device name="psu1" port="1" action="on"/><device name="psu2" port="1" action="on"/></method>'
    )
    body = (
        f'<clusternodes><clusternode name="a" nodeid="1"><fence>{method}</fence></clusternode></clusternodes>'
        '<fencedevices><fencedevice name="psu1" agent="fence_nps" passwd="x"/>'
        '<fencedevice name="psu2" agent="fence_wti" passwd="y"/></fencedevices>'
    )
    plan = lab_plan(conf_of(tmp_path, body))
    assert [element(t).get("devices") for t in plan.topology] == ["psu1,psu2"]
    assert "pcmk_reboot_action" not in params(by_id(plan, "psu1"))  # a level reboots as all off, all on
    assert by_id(plan, "psu2").get("type") == "fence_nps"  # fence_wti's drop-in


def test_two_plugs_of_one_switch_in_one_method_join_in_the_map(tmp_path: Path) -> None:
    body = (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1">'
        '<device name="nps" port="1"/><device name="nps" port="2"/></method></fence></clusternode>'
        "</clusternodes>"
        f"<fencedevices>{NPS_DEVICE}</fencedevices>"
    )
    plan = lab_plan(conf_of(tmp_path, body))
    assert params(by_id(plan, "nps"))["pcmk_host_map"] == "a:1,2"


def test_post_fail_delay_and_clean_start(tmp_path: Path) -> None:
    daemon = '<fence_daemon post_fail_delay="5" clean_start="1"/>'
    body = f"{daemon}{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices>"
    plan = lab_plan(conf_of(tmp_path, body))
    assert params(by_id(plan, "nps"))["pcmk_delay_base"] == "5s"
    assert plan.properties["startup-fencing"] == "false"
    assert any("post_fail_delay=5" in w for w in plan.warnings)


def test_slow_agent_settings_raise_the_fence_timeouts(tmp_path: Path) -> None:
    device = '<fencedevice name="nps" agent="fence_nps" passwd="pw" power_timeout="60" login_timeout="20"/>'
    plan = lab_plan(conf_of(tmp_path, f"{nps_fenced()}<fencedevices>{device}</fencedevices>"))
    got = params(by_id(plan, "nps"))
    assert got["power_timeout"] == "60"
    assert int(got["pcmk_reboot_timeout"].rstrip("s")) > 120
    assert plan.properties["stonith-timeout"] == got["pcmk_reboot_timeout"]
    default = lab_plan(load_cluster_conf(THREE))
    assert "stonith-timeout" not in default.properties


def test_an_unknown_attribute_is_dropped_with_a_warning(tmp_path: Path) -> None:
    device = '<fencedevice name="nps" agent="fence_nps" passwd="pw" colour="blue"/>'
    plan = lab_plan(conf_of(tmp_path, f"{nps_fenced()}<fencedevices>{device}</fencedevices>"))
    assert "colour" not in params(by_id(plan, "nps"))
    assert any("'colour'" in w for w in plan.warnings)


def test_an_unused_device_is_left_out(tmp_path: Path) -> None:
    extra = '<fencedevice name="spare" agent="fence_nps" passwd="q"/>'
    plan = lab_plan(conf_of(tmp_path, f"{nps_fenced()}<fencedevices>{NPS_DEVICE}{extra}</fencedevices>"))
    assert [element(t).get("id") for t in plan.resources] == ["nps"]
    assert any("spare fences no node" in w for w in plan.warnings)


REFUSED = {
    "empty method": (
        '<clusternodes><clusternode name="a" nodeid="1"><fence>\n<method name="1"/></fence>'
        f"</clusternode></clusternodes><fencedevices>{NPS_DEVICE}</fencedevices>",
        ":4: node a: fence method '1' has no devices",
    ),
    "no method": (
        '<clusternodes>\n<clusternode name="a" nodeid="1"/></clusternodes>'
        f"<fencedevices>{NPS_DEVICE}</fencedevices>",
        ":4: clusternode a has no fence method",
    ),
    "unknown agent": (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1"><device name="apc" port="1"/>'
        '</method></fence></clusternode></clusternodes><fencedevices>\n<fencedevice name="apc" '
        'agent="fence_apc"/>'
        "</fencedevices>",
        ":4: fencedevice apc: agent fence_apc is not one of fencelab's agents",
    ),
    "no plug": (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1">\n<device name="nps"/>'
        f"</method></fence></clusternode></clusternodes><fencedevices>{NPS_DEVICE}</fencedevices>",
        ":4: node a: device nps names no port (plug)",
    ),
    "on alone": (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1">\n'
        '<device name="nps" port="1" action="on"/>'
        f"</method></fence></clusternode></clusternodes><fencedevices>{NPS_DEVICE}</fencedevices>",
        ':4: node a: device nps action="on" without an "off"',
    ),
    "quorum disk": (
        f'\n<quorumd label="qd" votes="1"/>{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices>',
        ":4: <quorumd>: the quorum disk has no Pacemaker equivalent",
    ),
    "shared bmc": (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1"><device name="bmc"/></method>'
        '</fence></clusternode><clusternode name="b" nodeid="2"><fence><method name="1">\n<device '
        'name="bmc"/>'
        '</method></fence></clusternode></clusternodes><fencedevices><fencedevice name="bmc" '
        'agent="fence_ipmilan" ipaddr="10.0.0.1" passwd="p"/></fencedevices>',
        ":4: fencedevice bmc has no plug but fences a and b",
    ),
    "unfence elsewhere": (
        '<clusternodes><clusternode name="a" nodeid="1"><fence><method name="1"><device name="nps" port="1"/>'
        '</method></fence><unfence>\n<device name="other" port="1"/></unfence></clusternode></clusternodes>'
        f'<fencedevices>{NPS_DEVICE}<fencedevice name="other" agent="fence_ifmib"/></fencedevices>',
        ":4: node a: unfence device other is not in its fence methods",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_pacemaker_cannot_express_is_one_line_with_file_and_line(tmp_path: Path, case: str) -> None:
    body, expected = REFUSED[case]
    conf = conf_of(tmp_path, body)
    with pytest.raises(TranslateError) as caught:
        lab_plan(conf)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'cluster.conf'}:"), message
    assert expected in message, message


def test_a_device_without_an_emulator_is_refused(tmp_path: Path) -> None:
    conf = conf_of(tmp_path, f"{nps_fenced()}<fencedevices>\n{NPS_DEVICE}</fencedevices>")
    with pytest.raises(
        TranslateError, match=r"cluster.conf:4: fencedevice nps: agent fence_nps: no emulator"
    ):
        translate(conf, {}, addresses(conf))


def test_a_node_without_an_address_is_refused(tmp_path: Path) -> None:
    conf = conf_of(tmp_path, f"{nps_fenced()}<fencedevices>{NPS_DEVICE}</fencedevices>")
    with pytest.raises(TranslateError, match="clusternode node3: no ring0 address"):
        translate(conf, endpoints(conf), {"node1": "192.0.2.1", "node2": "192.0.2.2"})


def test_no_warning_or_error_shows_a_secret(tmp_path: Path) -> None:
    secret = "hunter2-Secret"
    device = (
        f'<fencedevice name="nps" agent="fence_nps" passwd="{secret}" colour="{secret}" ipaddr=""/>'
        f'<fencedevice name="spare" agent="fence_nps" passwd="{secret}"/>'
    )
    body = (
        '<fence_daemon post_fail_delay="2"/><clusternodes><clusternode name="a" nodeid="1"><fence>'
        f'<method name="1"><device name="nps" port="1" shade="{secret}"/></method></fence></clusternode>'
        '<clusternode name="b" nodeid="2"><fence><method name="1"><device name="nps" port="1"/></method>'
        f"</fence></clusternode></clusternodes><fencedevices>{device}</fencedevices>"
    )
    from rm.support import fixture_rules

    conf = conf_of(tmp_path, body)
    plan = translate(conf, None, addresses(conf), rules=fixture_rules())
    assert len(plan.warnings) >= 5
    assert all(secret not in w for w in plan.warnings), plan.warnings
    refused = body.replace('port="1" shade', 'action="on" shade')
    with pytest.raises(TranslateError) as caught:
        translate(conf_of(tmp_path, refused), None, addresses(conf), rules=fixture_rules())
    assert secret not in str(caught.value)
