"""Precise structural checks read from the RelaxNG schema itself.

lxml's RelaxNG messages are vague ("Element cluster failed to validate attributes"). This module walks
cluster.rng once to learn, per element name, its required and optional attributes and its allowed
children, then checks a tree against that and says exactly which attribute or child is wrong. The schema
stays the single source of truth; lxml's RelaxNG validation still runs afterwards as the final word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .errors import Problem
from .tree import ConfElement

_RNG = "{http://relaxng.org/ns/structure/1.0}"
_OPTIONAL_WRAPPERS = {"optional", "zeroOrMore", "choice"}
_PASS_THROUGH = {"oneOrMore", "interleave", "group"}


@dataclass
class ValueRule:
    """What an attribute value may be: one of fixed values, or an integer type with bounds."""

    choices: list[str] = field(default_factory=list)
    datatype: str | None = None
    low: int | None = None
    high: int | None = None

    def problem(self, value: str) -> str | None:
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}"
        if self.datatype in _INT_LOWS:
            try:
                number = int(value.strip(), 10)
            except ValueError:
                return "is not an integer"
            low = self.low if self.low is not None else _INT_LOWS[self.datatype]
            if (low is not None and number < low) or (self.high is not None and number > self.high):
                return (
                    f"is out of range ({low}..{self.high})" if self.high is not None else f"must be >= {low}"
                )
        return None


_INT_LOWS: dict[str, int | None] = {"integer": None, "nonNegativeInteger": 0, "positiveInteger": 1}


@dataclass
class ElementSpec:
    required_attrs: list[str] = field(default_factory=list)
    optional_attrs: list[str] = field(default_factory=list)
    any_attrs: bool = False
    children: list[str] = field(default_factory=list)
    required_children: list[str] = field(default_factory=list)
    any_children: bool = False
    repeatable: list[str] = field(default_factory=list)
    values: dict[str, ValueRule] = field(default_factory=dict)


class _SchemaReader:
    def __init__(self, grammar: etree._Element) -> None:
        self.defines = {d.get("name"): d for d in grammar.iter(f"{_RNG}define")}
        self.specs: dict[str, ElementSpec] = {}

    def element(self, el: etree._Element) -> None:
        name = el.get("name")
        if name is None or name in self.specs:
            return
        spec = self.specs[name] = ElementSpec()
        for child in el:
            self.collect(child, spec, optional=False, repeat=False, seen=set())

    def collect(
        self, node: etree._Element, spec: ElementSpec, optional: bool, repeat: bool, seen: set[str]
    ) -> None:
        tag = etree.QName(node).localname
        if tag == "element":
            name = node.get("name")
            if name is None:
                spec.any_children = True
                return
            spec.children.append(name)
            if not optional:
                spec.required_children.append(name)
            if repeat:
                spec.repeatable.append(name)
            self.element(node)
        elif tag == "attribute":
            name = node.get("name")
            if name is None:
                spec.any_attrs = True
            else:
                (spec.optional_attrs if optional else spec.required_attrs).append(name)
                rule = ValueRule()
                for child in node:
                    self.value_rule(child, rule, set())
                if rule.choices or rule.datatype:
                    spec.values[name] = rule
        elif tag == "ref":
            ref = node.get("name", "")
            if ref not in seen:
                for child in self.defines[ref]:
                    self.collect(child, spec, optional, repeat, seen | {ref})
        elif tag in _OPTIONAL_WRAPPERS or tag in _PASS_THROUGH:
            many = repeat or tag in ("zeroOrMore", "oneOrMore")
            for child in node:
                self.collect(child, spec, optional or tag in _OPTIONAL_WRAPPERS, many, seen)

    def value_rule(self, node: etree._Element, rule: ValueRule, seen: set[str]) -> None:
        tag = etree.QName(node).localname
        if tag == "value":
            rule.choices.append(node.text or "")
        elif tag == "data":
            rule.datatype = node.get("type")
            for param in node.iter(f"{_RNG}param"):
                if param.get("name") == "minInclusive":
                    rule.low = int(param.text or "0")
                elif param.get("name") == "maxInclusive":
                    rule.high = int(param.text or "0")
        elif tag == "ref" and node.get("name", "") not in seen:
            for child in self.defines[node.get("name", "")]:
                self.value_rule(child, rule, seen | {node.get("name", "")})
        elif tag == "choice":
            for child in node:
                self.value_rule(child, rule, seen)


@lru_cache(maxsize=4)
def element_specs(schema_path: Path) -> dict[str, ElementSpec]:
    grammar = etree.parse(str(schema_path), etree.XMLParser(no_network=True)).getroot()
    reader = _SchemaReader(grammar)
    start = grammar.find(f"{_RNG}start")
    assert start is not None
    for el in start.iter(f"{_RNG}element"):
        reader.element(el)
        break
    return reader.specs


def structure_problems(root: ConfElement, source: str, specs: dict[str, ElementSpec]) -> list[Problem]:
    problems: list[Problem] = []

    def check(node: ConfElement, spec: ElementSpec) -> None:
        for attr in spec.required_attrs:
            if attr not in node.attrs:
                problems.append(Problem(source, node.line, node.tag, f'missing required attribute "{attr}"'))
        if not spec.any_attrs:
            allowed = set(spec.required_attrs) | set(spec.optional_attrs)
            for attr in node.attrs:
                if attr not in allowed:
                    problems.append(Problem(source, node.line, node.tag, f'unknown attribute "{attr}"'))
        for attr, value in node.attrs.items():
            rule = spec.values.get(attr)
            wrong = rule.problem(value) if rule else None
            if wrong:
                problems.append(Problem(source, node.line, node.tag, f'attribute {attr}="{value}" {wrong}'))
        present = [c.tag for c in node.children]
        for tag in spec.required_children:
            if tag not in present:
                problems.append(Problem(source, node.line, node.tag, f"missing required element <{tag}>"))
        seen: set[str] = set()
        for child in node.children:
            if child.tag in seen and child.tag not in spec.repeatable and not spec.any_children:
                problems.append(Problem(source, child.line, child.tag, f"<{child.tag}> may appear only once"))
            seen.add(child.tag)
            if child.tag in spec.children:
                check(child, specs[child.tag])
            elif not spec.any_children:
                message = f"element <{child.tag}> is not allowed in <{node.tag}>"
                problems.append(Problem(source, child.line, child.tag, message))

    if root.tag not in specs:
        return [Problem(source, root.line, root.tag, "the root element must be <cluster>")]
    check(root, specs[root.tag])
    return problems
