"""Start and stop order of a resource tree (rgmanager's test016/017), status depth selection."""

from __future__ import annotations

from cluster.rm.conf_build import StaticRules
from cluster.rm.rules import parse_metadata
from cluster.rm.tree import recovery_subtree, start_order, status_steps, stop_order

from .support import fixture_rules, rm_from_text


def _nfs_rules() -> StaticRules:
    """The fixtures plus nfsexport/nfsclient with the child levels fs.sh and service.sh declare."""
    rules = dict(fixture_rules().rules)
    rules["nfsexport"] = parse_metadata(
        '<resource-agent name="nfsexport"><parameters><parameter name="name" primary="1"/></parameters>'
        '<special tag="rgmanager"><child type="nfsclient" start="1" stop="1"/></special></resource-agent>'
    )
    rules["nfsclient"] = parse_metadata(
        '<resource-agent name="nfsclient"><parameters><parameter name="name" primary="1"/>'
        '<parameter name="target"/></parameters></resource-agent>'
    )
    return StaticRules(rules)


def test_test016_start_order_and_exact_reverse_stop() -> None:
    from cluster.config.xmlload import parse_xml_bytes
    from cluster.rm.conf_build import build_rm

    xml = """<cluster name="c" config_version="1"><clusternodes/><rm>
<service name="svc">
  <script name="sc" file="/etc/init.d/x"/>
  <ip address="192.0.2.10"/>
  <fs name="fs1" device="/dev/a" mountpoint="/mnt/a">
    <nfsexport name="exp">
      <nfsclient name="c1"/><nfsclient name="c2"/><nfsclient name="c3"/>
    </nfsexport>
  </fs>
</service></rm></cluster>"""
    root = parse_xml_bytes(xml.encode(), "t.conf")
    conf, problems = build_rm(root.find("rm"), _nfs_rules(), "t.conf", set())
    assert problems == []
    root_node = conf.services[0].root
    start = [n.ident for n in start_order(root_node)]
    assert start == [
        "service:svc", "fs:fs1", "nfsexport:exp", "nfsclient:c1", "nfsclient:c2", "nfsclient:c3",
        "ip:192.0.2.10", "script:sc",
    ]  # fmt: skip
    assert [n.ident for n in stop_order(root_node)] == list(reversed(start))


def test_untyped_children_start_after_typed_and_stop_first() -> None:
    body = (
        '<service name="s"><Dummy name="d1"/><script name="a" file="/a"/><Dummy name="d2"/>'
        '<ip address="192.0.2.1"/></service>'
    )
    rules = dict(fixture_rules().rules)
    rules["Dummy"] = parse_metadata('<resource-agent name="Dummy"><parameters/></resource-agent>')
    from cluster.config.xmlload import parse_xml_bytes
    from cluster.rm.conf_build import build_rm

    root = parse_xml_bytes(f'<cluster name="c" config_version="1"><rm>{body}</rm></cluster>'.encode(), "t")
    conf, problems = build_rm(root.find("rm"), StaticRules(rules), "t", set())
    assert problems == []
    node = conf.services[0].root
    assert [n.ident for n in start_order(node)] == [
        "service:s", "ip:192.0.2.1", "script:a", "Dummy:d1", "Dummy:d2",
    ]  # fmt: skip
    assert [n.ident for n in stop_order(node)] == [
        "Dummy:d2", "Dummy:d1", "script:a", "ip:192.0.2.1", "service:s",
    ]  # fmt: skip


def test_status_runs_the_deepest_due_check() -> None:
    conf, _ = rm_from_text('<service name="s"><fs name="f" device="/d" mountpoint="/m"/></service>')
    root = conf.services[0].root
    clock: dict[tuple[str, int], float] = {}
    assert status_steps(root, clock, 0.0) == []  # nothing has run: the clock starts now
    assert [(s.node.ident, s.depth) for s in status_steps(root, clock, 30.0)] == [("fs:f", 10)]
    # at 60 s depth 0 (1m), depth 10 (30 s since the last) and depth 20 (1m) are due: the deepest runs
    assert [(s.node.ident, s.depth) for s in status_steps(root, clock, 60.0)] == [("fs:f", 20)]


def test_recovery_subtree_is_the_nearest_independent_one() -> None:
    conf, _ = rm_from_text(
        '<service name="s"><fs name="f" device="/d" mountpoint="/m" __independent_subtree="1">'
        '<script name="x" file="/x"/></fs><script name="y" file="/y"/></service>'
    )
    root = conf.services[0].root
    fs, y = root.children
    assert recovery_subtree(root, fs.children[0]) is fs
    assert recovery_subtree(root, y) is None
