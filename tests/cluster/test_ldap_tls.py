"""StartTLS to the configuration server, with a test CA the test makes: the server (a real slapd) refuses
clients that did not start TLS, so a loaded configuration proves the loader used it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.ldap_server import LdapServer
from harness.tls_ca import make_test_ca
from harness.tools import run

pytestmark = pytest.mark.interop

BASE = "dc=example,dc=com"
CONF = (Path(__file__).parent / "data" / "listing1.conf").read_text()


def objctl(server: LdapServer, env: dict[str, str]) -> tuple[int, str, str]:
    argv = [sys.executable, "-m", "cluster.tools.ccs_objctl", "-C", "ldapconfig"]
    argv += ["--ldap-url", server.url, "--ldap-basedn", BASE, "-n", "iscsi1"]
    done = run(argv, env=env, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_starttls_with_the_test_ca(slapd_factory: Callable[..., LdapServer], tmp_path: Path) -> None:
    tls = make_test_ca(tmp_path / "ca")
    server = slapd_factory(tls=tls)
    (tmp_path / "cluster.conf").write_text(CONF)
    ldif = run(
        [sys.executable, "-m", "cluster.tools.confdb2ldif", BASE, "-f", str(tmp_path / "cluster.conf")]
    )
    server.ldap_tool("ldapadd", "-c", stdin=ldif.stdout)

    code, out, err = objctl(server, {"FENCELAB_LDAP_STARTTLS": "yes", "FENCELAB_LDAP_CACERT": str(tls.ca)})
    assert code == 0 and "cluster.name=iscsicluster" in out, err

    code, _, err = objctl(server, {})  # in the clear: the server wants TLS first
    assert code == 1 and err.count("\n") == 1 and server.url in err and "confidentiality required" in err

    other = make_test_ca(tmp_path / "other", label="someone else's CA")
    code, _, err = objctl(server, {"FENCELAB_LDAP_STARTTLS": "yes", "FENCELAB_LDAP_CACERT": str(other.ca)})
    assert code == 1 and err.count("\n") == 1 and "not trusted" in err, err
