"""Bad LDAP configurations: one line naming the URL (and the entry's DN), exit 1, no traceback, no password,
and no node started from half a configuration. Against a real slapd."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.ldap_server import LdapServer
from harness.tools import our_tool
from harness.tools import run as run_tool

from .support import SECRET, assert_clear_failure, closed_port, run

pytestmark = pytest.mark.interop

BASE = "dc=example,dc=com"
TEMPLATE = Path(__file__).parents[1] / "cluster" / "data" / "ldap-cluster.conf.in"
CONF = TEMPLATE.read_text().format(version=1, extra_node="", extra_device="")
NODE2 = f"name=node2,cn=clusternode,cn=clusternodes,name=cluster,{BASE}"


@pytest.fixture
def published(slapd: LdapServer, tmp_path: Path) -> LdapServer:
    """A slapd holding the test cluster's configuration, imported with confdb2ldif and ldapadd."""
    (tmp_path / "cluster.conf").write_text(CONF)
    ldif = run_tool([our_tool("confdb2ldif"), BASE, "-f", str(tmp_path / "cluster.conf")], timeout=30).stdout
    slapd.ldap_tool("ldapadd", "-c", stdin=ldif)
    return slapd


def start_node(tmp: Path, url: str, basedn: str = BASE, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    args = ["-C", "ldapconfig", "--ldap-url", url, "--ldap-basedn", basedn, "-n", "node1"]
    return run("fencelab-node", *args, "--run-dir", str(tmp / "run"), env=env, deadline=15)


def never_started(tmp: Path) -> None:
    assert not (tmp / "run" / "node.pid").exists()


def test_server_down(tmp_path: Path) -> None:
    url = f"ldap://127.0.0.1:{closed_port()}"
    line = assert_clear_failure(start_node(tmp_path, url), 1, "connection refused", within=15)
    assert url in line
    never_started(tmp_path)


def test_wrong_bind_password_names_the_dn_and_hides_the_password(
    published: LdapServer, tmp_path: Path
) -> None:
    env = {"COROSYNC_LDAP_BINDDN": published.admin_dn, "COROSYNC_LDAP_BINDPWD": SECRET}
    line = assert_clear_failure(start_node(tmp_path, published.url, env=env), 1, "invalid credentials", 15)
    assert published.url in line and f"as {published.admin_dn}" in line
    never_started(tmp_path)


def test_right_bind_password_starts_the_node(published: LdapServer, tmp_path: Path) -> None:
    env = {"COROSYNC_LDAP_BINDDN": published.admin_dn, "COROSYNC_LDAP_BINDPWD": published.admin_password}
    done = run_tool(
        [our_tool("ccs_objctl"), "-C", "ldapconfig", "--ldap-url", published.url, "--ldap-basedn", BASE],
        env=env,
        timeout=30,
    )
    assert done.returncode == 0 and "cluster.name=ldapcluster" in done.stdout, done.stderr


def test_missing_base_dn(published: LdapServer, tmp_path: Path) -> None:
    outcome = start_node(tmp_path, published.url, basedn="dc=nowhere,dc=com")
    line = assert_clear_failure(outcome, 1, "no such entry", within=15)
    assert f"{published.url}/name=cluster,dc=nowhere,dc=com" in line
    never_started(tmp_path)


def test_broken_attribute_names_its_entry(published: LdapServer, tmp_path: Path) -> None:
    change = f"dn: {NODE2}\nchangetype: modify\nreplace: rhcsVotes\nrhcsVotes: many\n-\n"
    assert published.ldap_tool("ldapmodify", stdin=change).returncode == 0
    line = assert_clear_failure(start_node(tmp_path, published.url), 1, r'votes="many" is not an integer', 15)
    assert f"{published.url}/{NODE2}" in line and "<clusternode>" in line
    never_started(tmp_path)


def test_half_a_configuration_never_starts_a_node(published: LdapServer, tmp_path: Path) -> None:
    gone = f"name=nps,cn=fencedevice,cn=fencedevices,name=cluster,{BASE}"
    assert published.ldap_tool("ldapdelete", gone).returncode == 0
    line = assert_clear_failure(start_node(tmp_path, published.url), 1, 'undefined fencedevice "nps"', 15)
    assert published.url in line
    never_started(tmp_path)
    # cman_tool join says the same, and leaves no node behind
    joined = run(
        "cman_tool",
        "join",
        "-C",
        "ldapconfig",
        "--ldap-url",
        published.url,
        "--ldap-basedn",
        BASE,
        "-n",
        "node1",
        "-d",
        str(tmp_path / "run"),
        deadline=20,
    )
    assert_clear_failure(joined, 1, 'undefined fencedevice "nps"', within=20)
    never_started(tmp_path)


def test_schema_not_loaded(slapd_factory: Callable[..., LdapServer], tmp_path: Path) -> None:
    server = slapd_factory(with_schema=False)
    line = assert_clear_failure(start_node(tmp_path, server.url), 1, "rhcs schema", within=15)
    assert f"{server.url}/name=cluster,{BASE}" in line
    never_started(tmp_path)


def test_ldap_loader_without_a_server_url(tmp_path: Path) -> None:
    outcome = run("ccs_objctl", "-C", "ldapconfig", env={"FENCELAB_SYSCONFIG": str(tmp_path / "none")})
    assert_clear_failure(outcome, 1, "COROSYNC_LDAP_URL is not set")
    bad = tmp_path / "cman"
    bad.write_text("CONFIG_LOADER=ldapconfig\nthis is not shell\n")
    outcome = run("ccs_objctl", env={"FENCELAB_SYSCONFIG": str(bad)})
    assert_clear_failure(outcome, 1, f"{bad}:2: .*expected KEY=value")
    outcome = run("ccs_objctl", "-C", "ldapconfig", "--ldap-url", "http://x", "--ldap-basedn", BASE)
    assert_clear_failure(outcome, 1, "not an LDAP URL")
