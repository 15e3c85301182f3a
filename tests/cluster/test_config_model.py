"""cluster.conf loading, the typed model and the values cman derives (seed article Listings 1-3, 6-7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.config import ConfigError, derive, load_cluster_conf, parse_xml_bytes

DATA = Path(__file__).parent / "data"


def test_listing1_derived_values_match_cman_tool_status() -> None:
    conf = load_cluster_conf(DATA / "listing1.conf")
    assert (conf.name, conf.config_version) == ("iscsicluster", 5)
    assert conf.cluster_id == 46516  # Listing 4: "Cluster Id: 46516"
    assert conf.multicast_address() == "239.192.181.106"
    assert conf.port == 5405
    assert conf.cman.two_node and conf.expected_votes == 1
    assert [n.name for n in conf.nodes] == ["iscsi1", "iscsi2"]
    assert conf.totem.token == 10000 and conf.totem.join == 60 and conf.totem.fail_recv_const == 2500
    assert conf.consensus == 2000  # two nodes: 20% of token clamped to [200, 2000]
    assert conf.totem_key() == b"iscsicluster\0\0\0\0"


def test_multicast_keeps_the_percent_255_quirk() -> None:
    # 46516 & 0xFF would give 180; cman uses % 255 and users see 106
    assert 46516 & 0xFF == 180
    assert derive.default_multicast(46516) == "239.192.181.106"
    assert derive.default_multicast(255) == "239.192.0.0"
    assert derive.default_multicast(46516, ipv6=True) == "ff15::b5b4"


def test_cluster_id_variants() -> None:
    assert derive.legacy_cluster_id("iscsicluster") == 46516
    # FNV-1a 32 of "a" is 0xe40c292c (published test vector), folded to 16 bits
    assert derive.hashed_cluster_id("a") == 0xE40C ^ 0x292C
    assert derive.cluster_id("x", configured=42) == 42
    assert derive.cluster_id("iscsicluster", configured=0) == 46516  # zero means "not set"
    assert derive.cluster_id("a", hash_id=True) == derive.hashed_cluster_id("a")


def test_hash_cluster_id_and_overrides_from_xml() -> None:
    xml = (
        b'<cluster name="a" config_version="1"><cman hash_cluster_id="yes" port="6000">'
        b'<multicast addr="239.1.1.1"/></cman><clusternodes/></cluster>'
    )
    conf = load_from_bytes(xml)
    assert conf.cluster_id == 0xE40C ^ 0x292C
    assert conf.multicast_address() == "239.1.1.1" and conf.port == 6000
    broadcast = load_from_bytes(
        b'<cluster name="a" config_version="1"><cman broadcast="yes"/><clusternodes/></cluster>'
    )
    assert broadcast.multicast_address() == "255.255.255.255"


@pytest.mark.parametrize(
    ("name", "key"),
    [("abc", b"abc\0"), ("abcd", b"abcd\0\0\0\0"), ("iscsicluster", b"iscsicluster" + b"\0" * 4)],
)
def test_totem_key_is_the_name_zero_padded(name: str, key: bytes) -> None:
    assert derive.totem_key_from_name(name) == key


@pytest.mark.parametrize(
    ("token", "nodes", "consensus"), [(10000, 3, 12000), (10000, 2, 2000), (500, 2, 200), (3000, 2, 600)]
)
def test_consensus_default_rule(token: int, nodes: int, consensus: int) -> None:
    assert derive.default_consensus(token, nodes) == consensus


def test_full_config_fence_methods_devices_logging_and_rm() -> None:
    conf = load_cluster_conf(DATA / "full.conf")
    node = conf.node("iscsi1")
    assert node is not None and node.nodeid == 1 and node.line == 22
    method = node.methods[0]
    assert method.name == "1" and method.devices[0].name == "nps"
    assert method.devices[0].attrs == (("port", "1"),) and method.devices[0].line == 25
    device = conf.fencedevice("nps")
    assert device is not None and device.agent == "fence_nps"
    # document order, "name" left out, "agent" kept: fenced feeds exactly these lines to the agent
    assert device.attrs == (("agent", "fence_nps"), ("ipaddr", ""), ("passwd", "redhat123"))
    assert conf.totem.token == 30000
    fenced_log = conf.logging.effective("fenced")
    assert fenced_log.logfile == "/var/log/cluster/fenced.log" and fenced_log.to_syslog
    assert conf.logging.effective("cman").logfile == "/var/log/cluster/cman.log"
    assert conf.fence_daemon.post_join_delay == 3
    assert conf.rm is not None and conf.rm.find("service") is not None
    service = conf.rm.find("service")
    assert service is not None and service.attrs["domain"] == "www-domain"


def test_quorumd_and_unfence() -> None:
    xml = b"""<cluster name="q" config_version="3">
<quorumd interval="2" tko="5" votes="1" label="qd"><heuristic program="ping -c1 gw" score="1"/></quorumd>
<clusternodes><clusternode name="n1" nodeid="1">
<unfence><device name="san" action="on"/></unfence></clusternode></clusternodes>
<fencedevices><fencedevice name="san" agent="fence_ifmib" ipaddr="h"/></fencedevices></cluster>"""
    conf = load_from_bytes(xml)
    assert conf.quorumd is not None and conf.quorumd.heuristics[0].program == "ping -c1 gw"
    assert conf.nodes[0].unfence[0].attrs == (("action", "on"),)


def load_from_bytes(xml: bytes):
    from cluster.config.validate import validate_tree

    conf, problems = validate_tree(parse_xml_bytes(xml, "t.conf"), "t.conf")
    assert not problems, problems
    assert conf is not None
    return conf


@pytest.mark.parametrize(
    "xml",
    [
        b'<!DOCTYPE cluster [<!ENTITY e "x">]>\n<cluster name="&e;" config_version="1"/>',
        b'<!DOCTYPE c [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<cluster>&e;</cluster>',
        b'<!DOCTYPE c [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<cluster name="&b;"/>',
    ],
)
def test_entities_are_refused(xml: bytes) -> None:
    with pytest.raises(ConfigError, match="entity"):
        parse_xml_bytes(xml, "evil.conf")


def test_cluster_key_from_keyfile_or_name(tmp_path: Path) -> None:
    keyfile = tmp_path / "authkey"
    keyfile.write_bytes(b"\x01\x02secret")
    xml = f'<cluster name="k" config_version="1"><cman keyfile="{keyfile}"/><clusternodes/></cluster>'
    assert load_from_bytes(xml.encode()).read_cluster_key() == b"\x01\x02secret"
    assert load_cluster_conf(DATA / "listing1.conf").read_cluster_key() == b"iscsicluster\0\0\0\0"
    missing = load_from_bytes(
        b'<cluster name="k" config_version="1">\n<cman keyfile="/nonexistent/key"/><clusternodes/></cluster>'
    )
    with pytest.raises(ConfigError, match=r"t.conf:2: <cman>: cannot read keyfile /nonexistent/key"):
        missing.read_cluster_key()


def test_membership_timing_from_totem() -> None:
    from cluster.membership.protocol import timing_from_conf

    timing = timing_from_conf(load_cluster_conf(DATA / "full.conf"))
    assert (timing.token_ms, timing.heartbeat_ms, timing.join_ms, timing.consensus_ms) == (
        30000,
        7500,
        60,
        2000,
    )


@pytest.mark.parametrize("name", ["listing1.conf", "full.conf"])
def test_ldap_mapping_round_trips(name: str) -> None:
    """confdb2ldif's mapping, reversed, gives back the same tree (the pure half of the LDAP loader)."""
    from cluster.config.ldapmap import parse_ldif, tree_from_entries
    from cluster.config.ldif import cluster_ldif
    from cluster.config.objdb import cluster_object
    from cluster.config.validate import validate_tree

    cluster = cluster_object(load_cluster_conf(DATA / name), "iscsi1")
    text = "\n".join(cluster_ldif(cluster, "dc=tuxgeek,dc=de"))
    tree = tree_from_entries(parse_ldif(text), "dc=tuxgeek,dc=de")

    def shape(el):  # type: ignore[no-untyped-def]
        return (el.tag, el.attrs, [shape(c) for c in el.children])

    assert shape(tree) == shape(cluster)
    conf, problems = validate_tree(tree, "ldap://server/dc=tuxgeek,dc=de")
    assert problems == [] and conf is not None and conf.cluster_id == 46516


def test_ldif_parser_understands_folding_and_base64() -> None:
    from cluster.config.ldapmap import parse_ldif

    text = "# c\ndn: name=cluster,\n dc=x\nname:: IGxlYWRpbmcgc3BhY2U=\nrhcsConfig-version: 1\n"
    assert parse_ldif(text) == [
        ("name=cluster,dc=x", {"name": [" leading space"], "rhcsConfig-version": ["1"]})
    ]
