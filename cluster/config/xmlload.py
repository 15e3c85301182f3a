"""Load cluster.conf XML safely into a :class:`ConfElement` tree (with line numbers).

lxml is used in a locked-down mode: no network, no DTD loading, no entity expansion. A document that
declares entities is refused outright, so neither "billion laughs" nor external entities can get in.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from .errors import ConfigError, config_error
from .tree import ConfElement

DEFAULT_CONFIG_PATH = "/etc/cluster/cluster.conf"
MAX_CONFIG_BYTES = 4 * 1024 * 1024
LIBXML_ADVICE = re.compile(r",? (use XML_PARSE_HUGE option|see xml\w+)\.?$")


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _convert(el: etree._Element, source: str) -> ConfElement:
    node = ConfElement(str(el.tag), {str(k): str(v) for k, v in el.attrib.items()}, [], el.sourceline)
    for child in el:
        if isinstance(child, etree._Entity):
            raise config_error(source, child.sourceline, node.tag, "entity references are not allowed")
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry no configuration
        node.children.append(_convert(child, source))
    return node


def parse_xml_bytes(data: bytes, source: str) -> ConfElement:
    """Parse cluster.conf bytes; raise :class:`ConfigError` (one line, with the line number) on bad XML."""
    if len(data) > MAX_CONFIG_BYTES:
        raise config_error(source, None, "cluster", f"file is larger than {MAX_CONFIG_BYTES} bytes")
    declared = data.find(b"<!ENTITY")  # before lxml: an expansion bomb must not get as far as the parser
    if declared >= 0:
        raise config_error(
            source, data.count(b"\n", 0, declared) + 1, "!ENTITY", "entity declarations are not allowed"
        )
    try:
        doc = etree.fromstring(data, _safe_parser()).getroottree()
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        message = str(err.msg).split(", line ")[0] if err.msg else "malformed XML"
        message = LIBXML_ADVICE.sub("", message)  # advice to the programmer, not to the user
        raise config_error(source, line, "xml", f"malformed XML: {message}") from None
    dtd = doc.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise config_error(source, 1, "!DOCTYPE", "entity declarations are not allowed")  # e.g. UTF-16
    root = doc.getroot()
    if root.tag != "cluster":
        raise config_error(source, root.sourceline, str(root.tag), "the root element must be <cluster>")
    return _convert(root, source)


def recover_xml(path: str | Path) -> ConfElement | None:
    """Best-effort tree of a malformed file (libxml2's recovery), so a validator can go on to report the
    mistakes after the first one; ``None`` if nothing usable comes out. Never used to run a cluster."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    if len(data) > MAX_CONFIG_BYTES or b"<!ENTITY" in data:
        return None
    parser = etree.XMLParser(
        recover=True,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if root is None or root.tag != "cluster":
        return None
    try:
        return _convert(root, str(path))
    except ConfigError:
        return None


def load_xml(path: str | Path) -> ConfElement:
    """Read and parse a cluster.conf file; unreadable files raise :class:`ConfigError` too."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise config_error(source, None, "cluster", f"cannot read file: {err.strerror or err}") from None
    return parse_xml_bytes(data, source)


__all__ = ["ConfigError", "DEFAULT_CONFIG_PATH", "load_xml", "parse_xml_bytes", "recover_xml"]
