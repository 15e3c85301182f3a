"""The lab plan from a cluster.conf: devices, feeds, the conf's credentials, one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.config import load_cluster_conf
from harness.lab_plan import LabPlanError, bmc_config, nps_config, plan_lab
from harness.power_board import powered

DATA = Path(__file__).parent / "data"


def conf_with(tmp_path: Path, devices: str, node_fence: str) -> Path:
    path = tmp_path / "cluster.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<cluster name="c" config_version="1"><clusternodes>'
        f'<clusternode name="a" nodeid="1"><fence>{node_fence}</fence></clusternode>'
        f'<clusternode name="b" nodeid="2"><fence/></clusternode>'
        f"</clusternodes><fencedevices>{devices}</fencedevices></cluster>\n"
    )
    return path


def test_two_methods_give_each_node_an_ipmi_and_an_nps_feed() -> None:
    plan = plan_lab(load_cluster_conf(DATA / "two_methods.conf"))
    assert plan.nodes == {1: "node1", 2: "node2", 3: "node3"}
    assert plan.feeds() == {f"node{n}": {f"ipmi{n}:chassis", f"nps:{n}"} for n in (1, 2, 3)}
    kinds = {d.name: d.kind for d in plan.devices}
    assert kinds == {"nps": "nps", "ipmi1": "bmc", "ipmi2": "bmc", "ipmi3": "bmc"}


def test_devices_take_the_conf_credentials() -> None:
    plan = plan_lab(load_cluster_conf(DATA / "two_methods.conf"))
    by_name = {d.name: d for d in plan.devices}
    wire = {f.id: ["feed", f.id] for d in plan.devices for f in d.feeds}
    nps = nps_config(by_name["nps"], "192.0.2.254", wire)
    assert nps["password"] == "s3cret-nps" and nps["host"] == "192.0.2.254"
    assert [p["wire"] for p in nps["plugs"][:3]] == [["feed", "nps:1"], ["feed", "nps:2"], ["feed", "nps:3"]]
    assert "wire" not in nps["plugs"][3] and len(nps["plugs"]) == 8
    fleet = bmc_config([by_name["ipmi1"], by_name["ipmi2"]], "127.0.0.1", wire)
    assert fleet["bmcs"][0]["users"] == {"root": {"password": "calvin", "privilege": "administrator"}}
    assert fleet["bmcs"][1]["target"] == ["feed", "ipmi2:chassis"]


def test_a_named_plug_gets_a_free_number_and_keeps_its_name(tmp_path: Path) -> None:
    path = conf_with(
        tmp_path,
        '<fencedevice name="p" agent="fence_wti" ipaddr="x" passwd="y"/>',
        '<method name="1"><device name="p" port="a-outlet"/></method>'
        '<method name="2"><device name="p" port="1"/></method>',
    )
    plan = plan_lab(load_cluster_conf(path))
    plugs = nps_config(plan.devices[0], "127.0.0.1", {f.id: [f.id] for f in plan.devices[0].feeds})["plugs"]
    assert (plugs[0]["name"], plugs[0]["wire"]) == ("a", ["p:1"])
    assert (plugs[1]["name"], plugs[1]["wire"]) == ("a-outlet", ["p:a-outlet"])


NPS = '<fencedevice name="p" agent="fence_nps" ipaddr="x"/>'


@pytest.mark.parametrize(
    ("devices", "fence", "message"),
    [
        ('<fencedevice name="m" agent="fence_manual"/>', '<method name="1"><device name="m"/></method>',
         "cluster.conf:2: fencedevice m: agent fence_manual cannot be emulated"),
        (NPS, '<method name="1"><device name="p"/></method>', "cluster.conf:2: node a: device p names no"),
        (NPS, '<method name="1"><device name="q" port="1"/></method>',
         "cluster.conf:2: node a: fence device q is not a <fencedevice>"),
    ],
)  # fmt: skip
def test_what_a_lab_cannot_build_is_one_line_before_anything_starts(
    tmp_path: Path, devices: str, fence: str, message: str
) -> None:
    try:
        conf = load_cluster_conf(conf_with(tmp_path, devices, fence))
    except Exception as err:  # the config layer may refuse first; that is one line too
        assert "\n" not in str(err).strip()
        return
    with pytest.raises(LabPlanError) as err:
        plan_lab(conf)
    assert str(err.value).split("/")[-1].startswith(message)


def test_a_machine_has_power_only_while_every_feed_does() -> None:
    assert powered({"nps:1", "ipmi1:chassis"}, {"nps:1", "ipmi1:chassis"})
    assert not powered({"nps:1", "ipmi1:chassis"}, {"nps:1"})  # either method alone cuts it
    assert not powered(set(), set())  # a node without feeds is powered by the lab, not by the board


def test_a_loopback_lab_says_that_ip_and_fs_resources_need_machines(tmp_path: Path) -> None:
    from harness.lab_up import ConfLab

    conf = tmp_path / "cluster.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<cluster name="c" config_version="1"><clusternodes>'
        '<clusternode name="a" nodeid="1"/></clusternodes><rm><service name="www">'
        '<ip address="192.0.2.9"/><fs name="d" device="/dev/x" mountpoint="/m"/></service></rm></cluster>\n'
    )
    lab = ConfLab(conf, tmp_path / "lab", machines=False)
    [warning] = lab._warnings(load_cluster_conf(conf))
    assert warning.startswith("nodes are on loopback (machines were not asked for): fs and ip resources need")
    assert ConfLab(conf, tmp_path / "lab2", machines=True)._warnings(load_cluster_conf(conf)) == []
