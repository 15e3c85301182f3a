"""ccs_config_validate's checks: the RelaxNG schema, plus semantic checks the original lacked.

Both work on the loader-agnostic tree, so an LDAP-loaded configuration is checked the same way.
Each problem names source, line and element (see :class:`Problem`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .build import build_config
from .derive import MAX_CLUSTER_NAME
from .errors import ConfigError, Problem
from .model import ClusterConf, FenceDevice
from .structure import element_specs, structure_problems
from .tree import ConfElement

SCHEMA_PATH = Path(__file__).with_name("schema") / "cluster.rng"
ResourceCheck = Callable[[ClusterConf], list[Problem]]
_ELEMENT_IN_MESSAGE = re.compile(r"(?:element|Element) (\w+)")


@lru_cache(maxsize=1)
def _schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA_PATH), etree.XMLParser(no_network=True)))


def to_lxml(node: ConfElement) -> etree._Element:
    """Rebuild an lxml element tree, carrying line numbers over so schema errors can cite them."""
    el = etree.Element(node.tag, dict(node.attrs))
    if node.line:
        el.sourceline = node.line
    for child in node.children:
        el.append(to_lxml(child))
    return el


def schema_problems(root: ConfElement, source: str) -> list[Problem]:
    schema = _schema()
    if schema.validate(etree.ElementTree(to_lxml(root))):
        return []
    problems = []
    for entry in schema.error_log:
        if "failed to validate" in entry.message and len(schema.error_log) > 1:
            continue  # lxml's summary lines repeat what the specific entries already say
        match = _ELEMENT_IN_MESSAGE.search(entry.message)
        element = match.group(1) if match else (entry.path.rsplit("/", 1)[-1].split("[")[0] or "cluster")
        line = entry.line or next((el.line for el in root.walk() if el.tag == element), None)
        problems.append(Problem(source, line, element, f"schema: {entry.message}"))
    return problems


def _duplicates(values: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    counts = Counter(v for v, _ in values)
    seen: set[str] = set()
    dups = []
    for value, line in values:
        if counts[value] > 1:
            if value in seen:
                dups.append((value, line))
            seen.add(value)
    return dups


def semantic_problems(conf: ClusterConf) -> list[Problem]:
    src = conf.source
    problems: list[Problem] = []
    if len(conf.name) > MAX_CLUSTER_NAME:
        message = f'cluster name "{conf.name}" is longer than {MAX_CLUSTER_NAME} characters'
        problems.append(Problem(src, conf.line, "cluster", message))
    for value, line in _duplicates([(str(n.nodeid), n.line) for n in conf.nodes]):
        problems.append(Problem(src, line, "clusternode", f"duplicate nodeid {value}"))
    for value, line in _duplicates([(n.name, n.line) for n in conf.nodes]):
        problems.append(Problem(src, line, "clusternode", f'duplicate node name "{value}"'))
    for value, line in _duplicates([(d.name, d.line) for d in conf.fencedevices]):
        problems.append(Problem(src, line, "fencedevice", f'duplicate fencedevice name "{value}"'))
    known = {d.name: d for d in conf.fencedevices}
    for node in conf.nodes:
        refs = [d for m in node.methods for d in m.devices] + list(node.unfence)
        for ref in refs:
            if ref.name not in known:
                message = f'node "{node.name}" uses undefined fencedevice "{ref.name}"'
                problems.append(Problem(src, ref.line, "device", message))
            else:
                problems.extend(_plug_overridden(src, node.name, ref.name, ref.attrs, known[ref.name]))
        for value, line in _duplicates([(m.name, m.line) for m in node.methods]):
            message = f'node "{node.name}" has two methods named "{value}"'
            problems.append(Problem(src, line, "method", message))
    if conf.cman.two_node:
        if len(conf.nodes) != 2 or any(n.votes != 1 for n in conf.nodes):
            problems.append(
                Problem(src, conf.cman.line, "cman", "two_node requires exactly two nodes with one vote each")
            )
    return problems


PLUG_KEYS = ("port", "plug")


def _plug_overridden(
    src: str, node: str, device: str, attrs: tuple[tuple[str, str], ...], fencedevice: FenceDevice
) -> list[Problem]:
    """fenced writes the node's device attributes first and the fencedevice's last, and an agent keeps the
    last value: a plug on both would silently fence the fencedevice's plug for every node."""
    mine = [k for k, _ in attrs if k in PLUG_KEYS]
    shared = [f"{k}={v}" for k, v in fencedevice.attrs if k in PLUG_KEYS]
    if not (mine and shared):
        return []
    message = (
        f'node "{node}" gives device "{device}" a {mine[0]}, but fencedevice "{device}" sets {shared[0]}, '
        "which fenced passes last: every node would be fenced on that plug"
    )
    return [Problem(src, fencedevice.line, "fencedevice", message)]


def validate_tree(
    root: ConfElement, source: str, resources: ResourceCheck | None = None
) -> tuple[ClusterConf | None, list[Problem]]:
    """Schema check, then build the model, then semantic checks. Returns the model if it could be built.

    ``resources`` checks <rm> (ccs_config_validate passes cluster.rm.checks.rm_problems, which runs the
    resource agents' meta-data); it is injected so this module, and the model with it, stay free of I/O."""
    problems = structure_problems(root, source, element_specs(SCHEMA_PATH))
    if problems:
        return None, problems
    try:
        conf = build_config(root, source)  # typed values first: its messages are clearer than lxml's
    except ConfigError as err:
        return None, [err.problem]
    problems = schema_problems(root, source)
    if problems:
        return None, problems
    return conf, semantic_problems(conf) + (resources(conf) if resources is not None else [])
