"""The reverse of confdb2ldif's mapping: LDAP entries back into a :class:`ConfElement` tree.

This is the pure half of the LDAP configuration loader (the seed article's "LDAP instead of XML"): a
loader searches the subtree of ``name=cluster,<basedn>`` and hands the entries here; the tree then goes
through the same validation and model as cluster.conf. ``parse_ldif`` reads confdb2ldif's output, so the
mapping is tested both ways without an LDAP server.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

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
    """``rhcsConfig-version`` -> ``config_version``; ``None`` for attributes that are not keys."""
    if not attr.startswith("rhcs") or len(attr) < 5:
        return None
    rest = attr[4:]
    return (rest[0].lower() + rest[1:]).replace("-", "_")


def tree_from_entries(entries: Iterable[Entry], basedn: str) -> ConfElement:
    """Rebuild the ``cluster`` tree. Container entries (``cn=<obj>`` above ``name=...`` entries) vanish."""
    entries = list(entries)
    root_dn = f"name=cluster,{basedn}"
    by_dn: dict[str, ConfElement] = {}
    containers = {",".join(_split_dn(dn)[1:]) for dn, _ in entries if _split_dn(dn)[0].startswith("name=")}
    root: ConfElement | None = None
    for dn, attrs in entries:
        rdns = _split_dn(dn)
        if dn == root_dn:
            root = ConfElement("cluster", _keys(attrs))
            by_dn[dn] = root
            continue
        if dn in containers:
            continue
        if rdns[0].startswith("name="):
            tag = _unescape(rdns[1][3:])
            parent_dn = ",".join(rdns[2:])
        else:
            tag = _unescape(rdns[0][3:])
            parent_dn = ",".join(rdns[1:])
        node = ConfElement(tag, _keys(attrs))
        by_dn[dn] = node
        parent = by_dn.get(parent_dn)
        if parent is not None:
            parent.children.append(node)
    if root is None:
        raise ValueError(f"no entry {root_dn}")
    return root


def _keys(attrs: dict[str, list[str]]) -> dict[str, str]:
    keys: dict[str, str] = {}
    if "name" in attrs:
        keys["name"] = attrs["name"][0]
    for attr, values in attrs.items():
        key = key_from_rhcs(attr)
        if key is not None and values:
            keys[key] = values[0]
    return keys
