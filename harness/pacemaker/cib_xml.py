"""Small builders for the CIB elements a translation produces (pure: element text out, no tools run).

Every element gets an id derived from what it describes, made a valid XML ID (the CIB schema's type), so
the same cluster.conf always gives the same CIB and `crm_verify` can name what it complains about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lxml import etree

from .errors import TranslateError

_NOT_ID = re.compile(r"[^A-Za-z0-9_.-]")


def xml_id(*parts: str) -> str:
    """``www``, ``ip``, ``192.0.2.100/24`` -> ``www-ip-192.0.2.100_24``: a valid XML ID from any text."""
    text = _NOT_ID.sub("_", "-".join(p for p in parts if p))
    return text if re.match(r"[A-Za-z_]", text) else f"r{text}"


def text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")


def nvset(parent: etree._Element, tag: str, owner: str, pairs: Mapping[str, str]) -> None:
    """``<instance_attributes>`` (or meta_attributes, utilization) with one nvpair per item, if any."""
    if not pairs:
        return
    suffix = {"instance_attributes": "instance_attributes", "meta_attributes": "meta_attributes"}
    set_id = f"{owner}-{suffix.get(tag, tag)}"
    block = etree.SubElement(parent, tag, id=set_id)
    for name, value in pairs.items():
        etree.SubElement(block, "nvpair", id=xml_id(set_id, name), name=name, value=value)


def primitive(
    rid: str,
    klass: str,
    type_: str,
    params: Mapping[str, str],
    meta: Mapping[str, str] | None = None,
    ops: Iterable[Mapping[str, str]] = (),
    provider: str | None = None,
) -> etree._Element:
    el = etree.Element("primitive", id=rid, **{"class": klass})
    if provider:
        el.set("provider", provider)
    el.set("type", type_)
    nvset(el, "instance_attributes", rid, params)
    nvset(el, "meta_attributes", rid, meta or {})
    op_list = list(ops)
    if op_list:
        block = etree.SubElement(el, "operations")
        for op in op_list:
            op_id = xml_id(rid, op["name"], op.get("interval", "0"))
            etree.SubElement(block, "op", id=op_id, **op)
    return el


class Ids:
    """Hands out ids once: a clash between two things that want one id is a translation error."""

    def __init__(self) -> None:
        self.taken: dict[str, str] = {}

    def claim(self, rid: str, what: str) -> str:
        if rid in self.taken and self.taken[rid] != what:
            raise TranslateError(f"{what} and {self.taken[rid]} would both be CIB id {rid!r}: rename one")
        self.taken[rid] = what
        return rid
