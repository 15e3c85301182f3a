"""The rhcs LDAP schema is generated from the mapping confdb2ldif uses: the shipped files cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

from cluster.config import load_cluster_conf
from cluster.config.ldapschema import (
    OID_REGISTRY_PATH,
    SCHEMA_CONF_PATH,
    SCHEMA_LDIF_PATH,
    extend_registry,
    missing_names,
    parse_registry,
    render_ldif,
    render_schema_conf,
    vocabulary,
)
from cluster.config.ldif import cluster_entries, rhcs_name
from cluster.config.objdb import cluster_object
from cluster.config.structure import element_specs
from cluster.config.validate import SCHEMA_PATH
from cluster.tools.rhcs_schema import agent_parameters, fencelab_agents

DATA = Path(__file__).parent / "data"


def _registry_and_vocab():  # type: ignore[no-untyped-def]
    return parse_registry(OID_REGISTRY_PATH.read_text()), vocabulary(element_specs(SCHEMA_PATH))


def test_shipped_schema_files_are_what_the_generator_makes() -> None:
    reg, vocab = _registry_and_vocab()
    assert SCHEMA_LDIF_PATH.read_text() == render_ldif(reg, vocab), "run: rhcs_schema --update"
    assert SCHEMA_CONF_PATH.read_text() == render_schema_conf(reg, vocab), "run: rhcs_schema --update"


def test_every_name_the_mapping_can_make_has_an_oid() -> None:
    reg, vocab = _registry_and_vocab()
    assert missing_names(reg, vocab) == [], "cluster.rng grew: run rhcs_schema --update"
    device = set(reg.device_attributes())
    params = agent_parameters(fencelab_agents())
    assert {"ipaddr", "passwd", "port", "login"} <= set(params)
    assert [p for p in params if p != "name" and rhcs_name(p) not in device] == []


def test_oid_numbers_are_stable_and_unique() -> None:
    reg, _ = _registry_and_vocab()
    numbers = [n for n, _ in reg.attributes.values()]
    assert len(numbers) == len(set(numbers)) and len(reg.classes) == len(set(reg.classes.values()))
    assert reg.attributes["rhcsConfig-version"][0] == 1 and reg.classes["rhcsCluster"] == 1
    grown = extend_registry(reg, ["rhcsBrand-new"], ["rhcsNewthing"], [])
    assert grown.attributes["rhcsBrand-new"][0] == max(numbers) + 1
    assert all(grown.attributes[name] == value for name, value in reg.attributes.items())
    assert grown.classes["rhcsNewthing"] == max(reg.classes.values()) + 1


def test_oids_are_under_red_hats_arcs() -> None:
    text = SCHEMA_LDIF_PATH.read_text()
    attrs = re.findall(r"olcAttributeTypes: \( (\S+) NAME '([^']+)'", text)
    classes = re.findall(r"olcObjectClasses: \( (\S+) NAME '([^']+)'", text)
    assert attrs and all(oid.startswith("1.3.6.1.4.1.2312.8.1.1.") for oid, _ in attrs)
    assert ("2.16.840.1.113730.3.2.30", "nsContainer") in classes
    assert all(oid.startswith("1.3.6.1.4.1.2312.8.1.2.") for oid, name in classes if name != "nsContainer")


def test_confdb2ldif_output_uses_only_names_the_schema_defines() -> None:
    text = SCHEMA_LDIF_PATH.read_text()
    defined = {n.lower() for n in re.findall(r"NAME '([^']+)'", text)} | {"name", "cn", "objectclass"}
    for conf_file in ("listing1.conf", "full.conf", "listing3-as-printed.conf"):
        try:
            conf = load_cluster_conf(DATA / conf_file)
        except Exception:  # noqa: BLE001 - a listing printed with its typos may not load: skip it
            continue
        for _, pairs in cluster_entries(cluster_object(conf, "iscsi1"), "dc=example,dc=com"):
            for attr, value in pairs:
                if attr == "objectclass":
                    assert value.lower() in defined, value
                elif attr.lower() not in defined:
                    # the article's Listing 7 typos (force_umount, fsytpe) are not rgmanager's names
                    assert attr in ("rhcsForce-umount", "rhcsFsytpe"), attr
