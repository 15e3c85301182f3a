"""Shared helpers of the Pacemaker translation tests: confs from text, lab-like endpoints and addresses."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from rm.support import fixture_rules

from cluster.config import load_cluster_conf
from cluster.config.model import ClusterConf
from harness.pacemaker.translate import PacemakerPlan, translate

DATA = Path(__file__).parent / "data"
HUB = "192.0.2.254"
NPS_DEVICE = '<fencedevice name="nps" agent="fence_nps" ipaddr="10.0.0.9" login="admin" passwd="pw"/>'

EXCLUSIVE_RM = (  # one exclusive service and two ordinary ones
    '<service name="big" exclusive="1"><ip address="192.0.2.70"/></service>'
    '<service name="a"><ip address="192.0.2.71"/></service>'
    '<service name="b"><ip address="192.0.2.72"/></service>'
)


def nps_fenced(count: int = 3) -> str:
    """<clusternodes> whose node N is fenced on plug N of device "nps"."""
    nodes = "".join(
        f'<clusternode name="node{n}" nodeid="{n}"><fence><method name="1">'
        f'<device name="nps" port="{n}"/></method></fence></clusternode>'
        for n in range(1, count + 1)
    )
    return f"<clusternodes>{nodes}</clusternodes>"


def write_conf(tmp_path: Path, body: str, name: str = "cluster.conf") -> Path:
    """A cluster.conf whose <cluster> holds ``body`` on the lines after line 2 (so errors carry lines)."""
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0"?>\n<cluster name="c" config_version="1">\n{body}\n</cluster>\n')
    return path


def conf_of(tmp_path: Path, body: str) -> ClusterConf:
    return load_cluster_conf(write_conf(tmp_path, body))


def endpoints(conf: ClusterConf) -> dict[str, tuple[str, int]]:
    return {d.name: (HUB, 20000 + i) for i, d in enumerate(conf.fencedevices)}


def addresses(conf: ClusterConf) -> dict[str, str]:
    return {n.name: f"192.0.2.{n.nodeid}" for n in conf.nodes}


def lab_plan(conf: ClusterConf, **kwargs: object) -> PacemakerPlan:
    """translate() as a machine lab calls it, with the rm fixture rules (so nothing runs)."""
    kwargs.setdefault("rules", fixture_rules())
    return translate(conf, endpoints(conf), addresses(conf), **kwargs)  # type: ignore[arg-type]


def element(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def by_id(plan: PacemakerPlan, rid: str) -> etree._Element:
    for text in plan.resources:
        el = element(text)
        if el.get("id") == rid:
            return el
    raise AssertionError(f"no resource {rid}: {[element(t).get('id') for t in plan.resources]}")


def params(el: etree._Element, tag: str = "instance_attributes") -> dict[str, str]:
    block = el.find(tag)
    return {} if block is None else {nv.get("name"): nv.get("value") for nv in block.findall("nvpair")}
