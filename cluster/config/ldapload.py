"""The ``ldapconfig`` loader: the cluster configuration from an LDAP server (the article's "LDAP instead
of XML"), with ldap3 (pure Python).

As cluster 3's ldapconfig: bind (anonymously, or as ``binddn`` with a password), search the subtree of
``name=cluster,<basedn>``, reverse confdb2ldif's mapping (:mod:`ldapmap`), then validate the tree exactly
as a cluster.conf. LDAP keeps no order among siblings: :func:`canonical_order` imposes one (methods by
name, 1 before 2).
Where we differ: a missing tree is an error (the original loaded an empty configuration),
partial results (size or time limit) are an error, and every problem names the URL and the entry's DN.
A node therefore never starts from half a configuration. ``starttls`` (or an ``ldaps://`` URL) with a CA file
verifies the server's certificate.
"""

from __future__ import annotations

import math
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cluster.text_escape import one_line

from .errors import ConfigError, Problem
from .ldapmap import Entry, tree_from_entries
from .model import ClusterConf
from .structure import ElementSpec, element_specs
from .tree import ConfElement
from .validate import SCHEMA_PATH, validate_tree

if TYPE_CHECKING:  # ldap3 is imported when a configuration is really read from LDAP: tools start faster
    import ldap3

DEFAULT_TIMEOUT = 10.0
RESULT_TEXT = {
    32: "no such object",
    49: "invalid credentials",
    50: "insufficient access rights",
    4: "size limit exceeded",
    3: "time limit exceeded",
}


@dataclass(frozen=True)
class LdapSettings:
    """Where the configuration is: as ``COROSYNC_LDAP_URL``, ``_BASEDN``, ``_BINDDN``, ``_BINDPWD``."""

    url: str
    basedn: str
    binddn: str | None = None
    password: str | None = None
    starttls: bool = False
    ca_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def root_dn(self) -> str:
        return f"name=cluster,{self.basedn}"

    def __repr__(self) -> str:  # the bind password never reaches a log or a traceback
        return f"LdapSettings(url={self.url!r}, basedn={self.basedn!r}, binddn={self.binddn!r}, password=***)"


def _fail(where: str, message: str, element: str = "cluster") -> ConfigError:
    return ConfigError(Problem(one_line(where), None, element, one_line(message)))


def _server(s: LdapSettings) -> ldap3.Server:
    import ldap3

    parts = urlsplit(s.url)
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise _fail(s.url, "not an LDAP URL (expected ldap://host[:port] or ldaps://host[:port])")
    try:
        port = parts.port
    except ValueError:
        raise _fail(s.url, "the port is not a number") from None
    tls = None
    if parts.scheme == "ldaps" or s.starttls:
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=s.ca_file, version=ssl.PROTOCOL_TLS_CLIENT)
    return ldap3.Server(
        parts.hostname,
        port=port,
        use_ssl=parts.scheme == "ldaps",
        tls=tls,
        get_info=ldap3.NONE,
        connect_timeout=max(1, math.ceil(s.timeout)),
    )


def _result_text(conn: ldap3.Connection) -> str:
    result = conn.result or {}
    code = result.get("result")
    text = RESULT_TEXT.get(code if isinstance(code, int) else -1) or str(result.get("description") or code)
    detail = str(result.get("message") or "").strip()
    return f"{text} ({detail})" if detail else text


def _connect(s: LdapSettings) -> ldap3.Connection:
    import ldap3
    from ldap3.core import exceptions as ldap_errors

    server = _server(s)
    conn = ldap3.Connection(
        server,
        user=s.binddn,
        password=s.password,
        auto_bind=ldap3.AUTO_BIND_NONE,
        receive_timeout=max(1, math.ceil(s.timeout)),  # ldap3 packs it as an integer
        raise_exceptions=False,
        read_only=True,
    )
    try:
        conn.open()
        if s.starttls and not conn.start_tls():
            raise _fail(s.url, f"StartTLS refused: {_result_text(conn)}")
        if not conn.bind():
            who = f"as {s.binddn}" if s.binddn else "anonymously"
            raise _fail(s.url, f"cannot bind {who}: {_result_text(conn)}")
    except ldap_errors.LDAPStartTLSError as err:
        raise _fail(s.url, f"StartTLS failed: {_socket_reason(err)}") from None
    except ldap_errors.LDAPSocketOpenError as err:
        raise _fail(s.url, f"cannot connect: {_socket_reason(err)}") from None
    except ldap_errors.LDAPException as err:
        raise _fail(s.url, f"LDAP error: {err}") from None
    return conn


def _socket_reason(err: Exception) -> str:
    text = str(err)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        return "the server's certificate is not trusted by the CA file given"
    if "Connection refused" in text:
        return "connection refused (is the LDAP server running?)"
    if "timed out" in text:
        return "timed out"
    return one_line(text.split("\n")[0][:200])


def _schema_loaded(s: LdapSettings, conn: ldap3.Connection) -> bool | None:
    """Whether the server knows ``rhcsCluster``; None when its schema cannot be read."""
    import ldap3

    ok = conn.search("cn=subschema", "(objectClass=subschema)", ldap3.BASE, attributes=["objectClasses"])
    if not ok or not conn.entries:
        return None
    values = [str(v).lower() for v in conn.entries[0]["objectClasses"].values]
    return any("'rhcscluster'" in v for v in values)


def fetch_entries(s: LdapSettings) -> list[Entry]:
    """Every entry under ``name=cluster,<basedn>``, parents before children; :class:`ConfigError`."""
    import ldap3
    from ldap3.core import exceptions as ldap_errors

    conn = _connect(s)
    try:
        where = f"{s.url}/{s.root_dn}"
        try:
            ok = conn.search(
                s.root_dn,
                "(objectClass=*)",
                ldap3.SUBTREE,
                attributes=[ldap3.ALL_ATTRIBUTES],
                time_limit=int(s.timeout) or 1,
            )
        except ldap_errors.LDAPException as err:
            raise _fail(where, f"search failed: {err}") from None
        code = (conn.result or {}).get("result")
        if code == 32:
            loaded = _schema_loaded(s, conn)
            hint = (
                "the server does not have the rhcs schema loaded (see docs/cluster-ldap.md)"
                if loaded is False
                else "is the base DN right, and was cluster.ldif added?"
            )
            raise _fail(where, f"no such entry: {hint}")
        if not ok or code != 0:
            raise _fail(where, f"search failed: {_result_text(conn)} (not loading half a configuration)")
        entries: list[Entry] = []
        for item in conn.response or []:
            if item.get("type") != "searchResEntry":
                continue
            attrs = {
                str(k): [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in vals]
                for k, vals in (item.get("raw_attributes") or {}).items()
            }
            entries.append((str(item["dn"]), attrs))
        return entries
    finally:
        conn.unbind()


def _depth(dn: str) -> int:
    return dn.replace("\\,", "").count(",")


def _natural(value: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key: ``method 2`` before ``method 10``."""
    parts = [part for part in re.split(r"(\d+)", value) if part]
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)


def canonical_order(node: ConfElement, specs: Mapping[str, ElementSpec]) -> None:
    """LDAP keeps no order among siblings (slapd returns them in its index order), so impose one:
    elements in the order cluster.rng lists them (others by tag), the same element by its name in natural
    order (methods are tried in that order: name them 1, 2, ...), unnamed ones by DN."""
    spec = specs.get(node.tag)
    known = spec.children if spec is not None else []

    def key(child: ConfElement) -> tuple[int, str, tuple[tuple[int, int | str], ...]]:
        rank = known.index(child.tag) if child.tag in known else len(known)
        return rank, child.tag, _natural(child.attrs.get("name", ""))

    node.children.sort(key=key)
    for child in node.children:
        canonical_order(child, specs)


def ldap_tree(s: LdapSettings) -> tuple[ConfElement, dict[int, str]]:
    """The configuration tree; each element's ``line`` is an index into the returned DN table."""
    entries = sorted(fetch_entries(s), key=lambda e: (_depth(e[0]), e[0].lower()))  # parents first
    specs = element_specs(SCHEMA_PATH)
    named = {tag for tag, spec in specs.items() if "name" in spec.required_attrs}
    try:
        tree = tree_from_entries(entries, s.basedn, named)
    except ValueError as err:
        raise _fail(f"{s.url}/{s.root_dn}", str(err)) from None
    canonical_order(tree, specs)
    return tree, {i: dn for i, (dn, _) in enumerate(entries, 1)}


def load_ldap_conf(s: LdapSettings) -> ClusterConf:
    """Load and validate; the first problem raises :class:`ConfigError` naming the URL and the entry's DN."""
    tree, dns = ldap_tree(s)
    conf, problems = validate_tree(tree, s.url)
    if problems:
        first = problems[0]
        dn = dns.get(first.line or 0, s.root_dn)
        raise ConfigError(Problem(f"{s.url}/{dn}", None, first.element, first.message))
    assert conf is not None
    for el in tree.walk():
        el.line = None  # positions in the search result mean nothing to a user
    conf, problems = validate_tree(tree, f"{s.url}/{s.root_dn}")
    assert conf is not None and not problems
    return conf
