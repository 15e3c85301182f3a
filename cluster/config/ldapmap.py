"""The reverse of confdb2ldif's mapping: LDAP entries back into a :class:`ConfElement` tree.

This is the pure half of the LDAP configuration loader (the article's "LDAP instead of XML"): a
loader searches the subtree of ``name=cluster,<basedn>`` and hands the entries here; the tree then goes
through the same validation and model as cluster.conf. ``parse_ldif`` reads confdb2ldif's output, so the
mapping is tested both ways without an LDAP server.
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Iterable

from .tree import ConfElement

Entry = tuple[str, dict[str, list[str]]]


def parse_ldif(text: str) -> list[Entry]:
    """Entries of an LDIF document (comments, folded lines and base64 values understood)."""
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.startswith(" ") and lines:
            lines[-1] += raw[1:]
        elif not raw.startswith("#"):
            lines.append(raw)
    entries: list[Entry] = []
    dn: str | None = None
    attrs: dict[str, list[str]] = {}
    for line in [*lines, ""]:
        if not line.strip():
            if dn is not None:
                entries.append((dn, attrs))
            dn, attrs = None, {}
            continue
        name, _, value = line.partition(":")
        if value.startswith(":"):
            value = base64.b64decode(value[1:].strip()).decode()
        else:
            value = value[1:] if value.startswith(" ") else value
        if name.lower() == "dn":
            dn = value
        else:
            attrs.setdefault(name, []).append(value)
    return entries


def _split_dn(dn: str) -> list[str]:
    """RDNs of a DN, honouring backslash escapes."""
    parts, current, escaped = [], [], False
    for ch in dn:
        if escaped:
            current.append("\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return parts


def _unescape(value: str) -> str:
    out, escaped = [], False
    for ch in value:
        if escaped or ch != "\\":
            out.append(ch)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def key_from_rhcs(attr: str) -> str | None:
    """``rhcsConfig-version`` -> ``config_version``; ``None`` for attributes that are not keys.

    cluster.conf's keys are lower case, and LDAP attribute names are not case sensitive: a server may
    hand back ``rhcsconfig-version``, which maps the same."""
    if attr[:4].lower() != "rhcs" or len(attr) < 5:
        return None
    return attr[4:].lower().replace("-", "_")


def tree_from_entries(entries: Iterable[Entry], basedn: str, named: Collection[str] = ()) -> ConfElement:
    """Rebuild the ``cluster`` tree. Container entries (``cn=<obj>`` above ``name=...`` entries) vanish.

    Parents must come before their children. Each element's ``line`` is its entry's position (1-based),
    so a caller can say which entry a problem is in. An entry whose parent is not there is an error: a
    configuration is never rebuilt with a part quietly missing. ``named`` are the elements that always
    have a name: a bare ``cn=<one of them>`` entry is a container left with no object below it."""
    entries = list(entries)
    root_dn = f"name=cluster,{basedn}"
    by_dn: dict[str, ConfElement] = {}
    containers = {",".join(_split_dn(dn)[1:]) for dn, _ in entries if _split_dn(dn)[0].startswith("name=")}
    root: ConfElement | None = None
    for index, (dn, attrs) in enumerate(entries, 1):
        rdns = _split_dn(dn)
        if _same_dn(dn, root_dn):
            root = ConfElement("cluster", _keys(attrs, "cluster"), line=index)
            by_dn[root_dn] = root
            continue
        if dn in containers or (_bare(attrs) and _unescape(rdns[0][3:]) in named):
            continue
        if rdns[0].startswith("name="):
            tag = _unescape(rdns[1][3:])
            parent_dn = ",".join(rdns[2:])
        else:
            tag = _unescape(rdns[0][3:])
            parent_dn = ",".join(rdns[1:])
        node = ConfElement(tag, _keys(attrs, _unescape(rdns[0].partition("=")[2])), line=index)
        by_dn[dn] = node
        parent = by_dn.get(root_dn if _same_dn(parent_dn, root_dn) else parent_dn)
        if parent is None:
            raise ValueError(f"entry {dn} has no parent object {parent_dn} before it")
        parent.children.append(node)
    if root is None:
        raise ValueError(f"no entry {root_dn}")
    return root


def _bare(attrs: dict[str, list[str]]) -> bool:
    return not any(a.lower() == "name" or key_from_rhcs(a) is not None for a in attrs)


def _same_dn(a: str, b: str) -> bool:
    """DNs equal up to case and spaces around RDNs (a server may return ``dc=Example, dc=com``)."""
    return [r.lower() for r in _split_dn(a)] == [r.lower() for r in _split_dn(b)]


def _keys(attrs: dict[str, list[str]], rdn_value: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    names = next((values for attr, values in attrs.items() if attr.lower() == "name"), [])
    if names:
        # The root is name=cluster, and OpenLDAP wants the RDN value in the entry: confdb2ldif writes
        # ``name: cluster`` after the cluster's own name, so the other value is the name.
        others = [v for v in names if v != rdn_value]
        keys["name"] = others[0] if others else names[0]
    for attr, values in attrs.items():
        key = key_from_rhcs(attr)
        if key is not None and values:
            keys[key] = values[0]
    return keys
