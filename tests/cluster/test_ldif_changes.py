"""confdb2ldif --since: the change records between two configurations (pure; ldapmodify applies them in
test_ldap_workflow.py)."""

from __future__ import annotations

from cluster.config import parse_xml_bytes
from cluster.config.ldapmap import parse_ldif
from cluster.config.ldifdiff import change_records

BASE = "dc=example,dc=com"
XML = (
    '<cluster name="{name}" config_version="{v}"><cman{cman}/><clusternodes>'
    '<clusternode name="a" nodeid="1"/>{more}</clusternodes></cluster>'
)


def tree(name: str = "one", v: int = 1, cman: str = "", more: str = ""):  # type: ignore[no-untyped-def]
    return parse_xml_bytes(XML.format(name=name, v=v, cman=cman, more=more).encode(), "x")


def changes(old, new) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(change_records(old, new, BASE))


def test_equal_configurations_change_nothing() -> None:
    assert "changetype" not in changes(tree(), tree())


def test_a_renamed_cluster_keeps_the_rdn_value() -> None:
    text = changes(tree(name="one"), tree(name="two", v=2))
    assert "delete: name\nname: one\n-\nadd: name\nname: two\n-" in text  # never replace: name: cluster stays
    assert "replace: rhcsConfig-version\nrhcsConfig-version: 2" in text


def test_an_added_node_is_added_with_its_container_once_and_removed_children_first() -> None:
    two = tree(more='<clusternode name="b" nodeid="2"/>')
    added = [dn for dn, attrs in parse_ldif(changes(tree(), two)) if attrs.get("changetype") == ["add"]]
    assert added == [f"name=b,cn=clusternode,cn=clusternodes,name=cluster,{BASE}"]
    text = changes(tree(cman=' two_node="1"'), tree())
    # <cman two_node> to <cman/>: rhcsCman to nsContainer, a structural class LDAP will not change in place
    records = parse_ldif(text)
    kinds = [(dn.split(",")[0], attrs["changetype"][0]) for dn, attrs in records]
    assert ("cn=cman", "delete") in kinds and ("cn=cman", "add") in kinds
    assert kinds.index(("cn=cman", "delete")) < kinds.index(("cn=cman", "add"))
