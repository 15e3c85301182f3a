"""The article's "LDAP instead of XML", against a real OpenLDAP server (Debian's slapd, started per test).

confdb2ldif, ldapadd/ldapmodify/ldapsearch (ldap-utils), the rhcs schema in cn=config and in slapd.conf
form, our loader and tools: each runs as its own process, as an administrator would run it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cluster.config.ldapschema import SCHEMA_CONF_PATH, SCHEMA_LDIF_PATH
from harness.lab import free_udp_port
from harness.ldap_server import LdapServer
from harness.pytest_plugin import require_tool
from harness.tools import run

pytestmark = pytest.mark.interop

BASE = "dc=example,dc=com"
CONF = (Path(__file__).parent / "data" / "ldap-cluster.conf.in").read_text()  # str.format fields
NODE3 = """    <clusternode name="node3" votes="2" nodeid="3">
      <fence><method name="1"><device name="wti" port="3"/></method></fence>
    </clusternode>
"""
WTI = '    <fencedevice name="wti" agent="fence_wti" ipaddr="192.0.2.9" login="admin" passwd="x"/>\n'


def write_conf(path: Path, version: int = 1, grown: bool = False) -> Path:
    text = CONF.format(version=version, extra_node=NODE3 if grown else "", extra_device=WTI if grown else "")
    path.write_text(text)
    return path


def tool(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", f"cluster.tools.{name}", *args], env=env, timeout=60)


def ldap_args(server: LdapServer) -> list[str]:
    return ["-C", "ldapconfig", "--ldap-url", server.url, "--ldap-basedn", BASE]


def publish(server: LdapServer, conf: Path) -> subprocess.CompletedProcess[str]:
    ldif = tool("confdb2ldif", BASE, "-f", str(conf))
    assert ldif.returncode == 0, ldif.stderr
    (conf.parent / "cluster.ldif").write_text(ldif.stdout)
    return server.ldap_tool("ldapadd", "-c", "-f", str(conf.parent / "cluster.ldif"))


def test_article_workflow_ldapadd_then_the_same_object_database(slapd: LdapServer, tmp_path: Path) -> None:
    conf = write_conf(tmp_path / "cluster.conf")
    added = publish(slapd, conf)
    # confdb2ldif repeats a container before each named object, as the original: -c skips the repeats
    errors = [line for line in added.stderr.splitlines() if line.startswith("ldap_")]
    assert errors and all("Already exists (68)" in line for line in errors), added.stderr
    xml = tool("ccs_objctl", "-f", str(conf), "-n", "node1", "--show-secrets")
    from_ldap = tool("ccs_objctl", *ldap_args(slapd), "-n", "node1", "--show-secrets")
    assert from_ldap.returncode == 0, from_ldap.stderr
    assert from_ldap.stdout == xml.stdout and "cluster.name=ldapcluster" in xml.stdout
    # the environment way, as /etc/sysconfig/cman sets it
    env = {"CONFIG_LOADER": "ldapconfig", "COROSYNC_LDAP_URL": slapd.url, "COROSYNC_LDAP_BASEDN": BASE}
    assert tool("ccs_objctl", "-n", "node1", "--show-secrets", env=env).stdout == xml.stdout
    sysconfig = tmp_path / "cman"
    sysconfig.write_text(
        f"CONFIG_LOADER=ldapconfig\nCOROSYNC_LDAP_URL={slapd.url}\nCOROSYNC_LDAP_BASEDN='{BASE}'\n"
    )
    dumped = tool("ccs_config_dump", env={"FENCELAB_SYSCONFIG": str(sysconfig)})
    assert dumped.returncode == 0 and 'name="ldapcluster"' in dumped.stdout, dumped.stderr


def test_changes_as_ldif_applied_with_ldapmodify(slapd: LdapServer, tmp_path: Path) -> None:
    old = write_conf(tmp_path / "old.conf", version=1)
    publish(slapd, old)
    new = write_conf(tmp_path / "new.conf", version=2, grown=True)
    text = new.read_text().replace('<cman port="5405"/>', '<cman port="5407"/>')
    new.write_text(text.replace('<fence_daemon post_join_delay="3"/>', "<fence_daemon/>"))
    changes = tool("confdb2ldif", BASE, "-f", str(new), "--since", str(old))
    assert changes.returncode == 0, changes.stderr
    assert "changetype: add" in changes.stdout and "replace: rhcsConfig-version" in changes.stdout
    assert "changetype: delete" in changes.stdout  # <fence_daemon/> lost its keys: nsContainer now
    (tmp_path / "changes.ldif").write_text(changes.stdout)
    applied = slapd.ldap_tool("ldapmodify", "-f", str(tmp_path / "changes.ldif"))
    assert applied.returncode == 0, applied.stderr
    want = tool("ccs_objctl", "-f", str(new), "-n", "node1", "--show-secrets").stdout
    assert tool("ccs_objctl", *ldap_args(slapd), "-n", "node1", "--show-secrets").stdout == want
    # and back again, deletes included
    back = tool("confdb2ldif", BASE, "-f", str(old), "--since", str(new))
    (tmp_path / "back.ldif").write_text(back.stdout)
    assert slapd.ldap_tool("ldapmodify", "-f", str(tmp_path / "back.ldif")).returncode == 0
    want = tool("ccs_objctl", "-f", str(old), "-n", "node1", "--show-secrets").stdout
    assert tool("ccs_objctl", *ldap_args(slapd), "-n", "node1", "--show-secrets").stdout == want
    assert tool("confdb2ldif", BASE, "-f", str(old), "--since", str(old)).stdout.count("changetype") == 0


def test_without_the_schema_ldapadd_fails_and_adds_nothing(
    slapd_factory: Callable[..., LdapServer], tmp_path: Path
) -> None:
    server = slapd_factory(with_schema=False)
    conf = write_conf(tmp_path / "cluster.conf")
    ldif = tool("confdb2ldif", BASE, "-f", str(conf)).stdout
    added = server.ldap_tool("ldapadd", stdin=ldif)  # as the article warns: the import fails
    assert added.returncode == 17  # undefined attribute type, at the very first entry
    assert 'adding new entry "name=cluster,dc=example,dc=com"' in added.stdout
    assert "rhcsConfig-version: attribute type undefined" in added.stderr
    found = server.ldap_tool("ldapsearch", "-LLL", "-b", f"name=cluster,{BASE}")
    assert found.returncode == 32  # no such object: nothing half-added
    loaded = tool("ccs_objctl", *ldap_args(server))
    assert loaded.returncode == 1 and loaded.stderr.count("\n") == 1
    assert f"{server.url}/name=cluster,{BASE}" in loaded.stderr and "rhcs schema" in loaded.stderr
    # the administrator's fix: load rhcs.ldif into the running server's cn=config, then import again
    schema = server.ldap_tool("ldapadd", "-f", str(SCHEMA_LDIF_PATH), as_config=True)
    assert schema.returncode == 0, schema.stderr
    assert server.ldap_tool("ldapadd", "-c", stdin=ldif).stderr.count("(68)") >= 1
    assert tool("ccs_objctl", *ldap_args(server)).returncode == 0


def test_slapd_conf_style_schema_file_is_accepted_by_slaptest(tmp_path: Path) -> None:
    slaptest = require_tool("slaptest")
    conf = tmp_path / "slapd.conf"
    conf.write_text(
        "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n"
        f"include {SCHEMA_CONF_PATH}\n"
    )
    (tmp_path / "slapd.d").mkdir()
    done = run([slaptest, "-f", str(conf), "-F", str(tmp_path / "slapd.d")], timeout=30)
    assert done.returncode == 0, done.stderr
    converted = "".join(p.read_text() for p in (tmp_path / "slapd.d").rglob("*rhcs*.ldif"))
    assert "rhcsClusternode" in converted and "rhcsConfig-version" in converted


def test_cman_tool_join_reads_sysconfig_and_starts_the_node_from_ldap(
    slapd: LdapServer, tmp_path: Path
) -> None:
    publish(slapd, write_conf(tmp_path / "cluster.conf", version=4))
    sysconfig = tmp_path / "cman"
    sysconfig.write_text(
        f"CONFIG_LOADER=ldapconfig\nCOROSYNC_LDAP_URL={slapd.url}\nCOROSYNC_LDAP_BASEDN={BASE}\n"
    )
    env = {"FENCELAB_SYSCONFIG": str(sysconfig), "FENCELAB_RUN_DIR": str(tmp_path / "node1")}
    port = str(free_udp_port(["127.0.0.1"]))
    joined = tool("cman_tool", "join", "-n", "node1", "-p", port, env=env)  # no -c: from LDAP
    assert joined.returncode == 0, joined.stderr
    try:
        status = tool("cman_tool", "status", env=env).stdout
        assert "Config Version: 4\n" in status and "Cluster Name: ldapcluster\n" in status
    finally:
        assert tool("cman_tool", "leave", env=env).returncode == 0
    assert not (tmp_path / "node1" / "node.pid").exists()
