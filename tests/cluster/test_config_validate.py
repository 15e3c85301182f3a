"""Validation: schema-level and semantic problems, each one line naming file, line and element."""

from __future__ import annotations

import pytest

from cluster.config import parse_xml_bytes, validate_tree
from cluster.rm.checks import rm_problems

HEAD = '<?xml version="1.0"?>\n<cluster name="c" config_version="1">\n'


def problems_of(body: str, head: str = HEAD) -> list[str]:
    xml = head + body + "</cluster>\n"
    tree = parse_xml_bytes(xml.encode(), "c.conf")
    return [str(p) for p in validate_tree(tree, "c.conf", resources=rm_problems)[1]]


def nodes(*lines: str) -> str:
    return "<clusternodes>\n" + "".join(line + "\n" for line in lines) + "</clusternodes>\n"


NODES2 = nodes('<clusternode name="a" nodeid="1"/>', '<clusternode name="b" nodeid="2"/>')

CASES = [
    ('<cman foo="1"/>\n' + NODES2, 'c.conf:3: <cman>: unknown attribute "foo"'),
    ("<bogus/>\n" + NODES2, "c.conf:3: <bogus>: element <bogus> is not allowed in <cluster>"),
    ("<cman/>\n", "c.conf:2: <cluster>: missing required element <clusternodes>"),
    ("<cman/>\n<cman/>\n" + NODES2, "c.conf:4: <cman>: <cman> may appear only once"),
    (
        '<clusternodes>\n<clusternode name="a"/>\n</clusternodes>\n',
        'c.conf:4: <clusternode>: missing required attribute "nodeid"',
    ),
    (
        '<clusternodes>\n<clusternode name="a" nodeid="x"/>\n</clusternodes>\n',
        'c.conf:4: <clusternode>: attribute nodeid="x" is not an integer',
    ),
    (
        '<clusternodes>\n<clusternode name="a" nodeid="1" votes="256"/>\n</clusternodes>\n',
        "out of range (0..255)",
    ),
    (
        nodes('<clusternode name="a" nodeid="1"/>', '<clusternode name="b" nodeid="1"/>'),
        "c.conf:5: <clusternode>: duplicate nodeid 1",
    ),
    (
        nodes('<clusternode name="a" nodeid="1"/>', '<clusternode name="a" nodeid="2"/>'),
        'c.conf:5: <clusternode>: duplicate node name "a"',
    ),
    (
        nodes('<clusternode name="a" nodeid="1"><fence><method name="1">', '<device name="nps" port="1"/>')[
            :-16
        ]
        + "</method></fence></clusternode>\n</clusternodes>\n",
        'c.conf:5: <device>: node "a" uses undefined fencedevice "nps"',
    ),
    (
        '<cman two_node="1" expected_votes="1"/>\n' + nodes('<clusternode name="a" nodeid="1"/>'),
        "c.conf:3: <cman>: two_node requires exactly two nodes with one vote each",
    ),
    (
        '<cman two_node="1"/>\n<clusternodes>\n<clusternode name="a" nodeid="1" votes="2"/>\n'
        '<clusternode name="b" nodeid="2"/>\n</clusternodes>\n',
        "two_node requires exactly two nodes with one vote each",
    ),
    ('<cman two_node="maybe"/>\n' + NODES2, 'c.conf:3: <cman>: attribute two_node="maybe" must be one of 0'),
    (
        '<cman transport="tcp"/>\n' + NODES2,
        'c.conf:3: <cman>: attribute transport="tcp" must be one of udp, udpb, udpu',
    ),
    (
        '<fence_daemon post_fail_delay="-2"/>\n' + NODES2,
        'c.conf:3: <fence_daemon>: attribute post_fail_delay="-2" must be >= -1',
    ),
    (
        '<fencedevices>\n<fencedevice name="x"/>\n</fencedevices>\n' + NODES2,
        'c.conf:4: <fencedevice>: missing required attribute "agent"',
    ),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_each_problem_is_one_line_with_file_line_element(body: str, expected: str) -> None:
    problems = problems_of(body)
    assert problems, "expected a problem"
    assert any(expected in p for p in problems), problems
    assert all("\n" not in p for p in problems)


def test_config_version_and_name_length() -> None:
    assert problems_of(NODES2, head='<cluster name="c">\n') == [
        'c.conf:1: <cluster>: missing required attribute "config_version"'
    ]
    long_name = '<cluster name="abcdefghijklmnopq" config_version="1">\n'
    assert problems_of(NODES2, head=long_name) == [
        'c.conf:1: <cluster>: cluster name "abcdefghijklmnopq" is longer than 16 characters'
    ]
    assert problems_of(NODES2, head='<cluster name="abcdefghijklmnop" config_version="1">\n') == []


def test_device_attributes_are_open_and_rm_is_checked_against_agent_metadata() -> None:
    body = (
        '<clusternodes>\n<clusternode name="a" nodeid="1"><fence><method name="1">'
        '<device name="nps" port="1" action="off" anything="goes"/></method></fence></clusternode>\n'
        "</clusternodes>\n"
        '<fencedevices><fencedevice name="nps" agent="fence_nps" ipaddr="127.0.0.1" login="x"/>'
        "</fencedevices>\n"
        '<rm log_level="7"><whatever x="1"><nested/></whatever></rm>\n'
    )
    problems = problems_of(body)
    assert problems[0] == 'c.conf:7: <whatever>: unknown resource type "whatever"'
    assert "resource agents were looked up in" in problems[1] and len(problems) == 2
    assert problems_of(body.replace('<whatever x="1"><nested/></whatever>', "")) == []


def test_a_plug_on_the_fencedevice_and_on_the_node_device_is_refused() -> None:
    """fenced sends the fencedevice's attributes last; an agent keeps the last value: node a's port=1 would
    be lost and every node fenced on plug 3."""
    clash = (
        '<clusternodes>\n<clusternode name="a" nodeid="1"><fence><method name="1">'
        '<device name="nps" port="1"/></method></fence></clusternode>\n</clusternodes>\n'
        '<fencedevices>\n<fencedevice name="nps" agent="fence_nps" ipaddr="x" port="3"/>\n</fencedevices>\n'
    )
    assert problems_of(clash) == [
        'c.conf:7: <fencedevice>: node "a" gives device "nps" a port, but fencedevice "nps" sets port=3, '
        "which fenced passes last: every node would be fenced on that plug"
    ]
    alone = clash.replace(' port="3"', "")  # the usual layout: the plug only on the node's device
    assert problems_of(alone) == []
    only_shared = clash.replace(' port="1"', "")  # one device per node, its plug on the fencedevice: fine
    assert problems_of(only_shared) == []
