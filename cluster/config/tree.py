"""A loader-agnostic configuration tree: what the XML loader (and later the LDAP loader) produce.

It mirrors corosync's object database: every element is an object with ordered keys (attributes) and
ordered child objects. Line numbers are kept where the source has them (XML), ``None`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class ConfElement:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)  # insertion order = document order
    children: list[ConfElement] = field(default_factory=list)
    line: int | None = None

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)

    def find(self, tag: str) -> ConfElement | None:
        for child in self.children:
            if child.tag == tag:
                return child
        return None

    def findall(self, tag: str) -> list[ConfElement]:
        return [child for child in self.children if child.tag == tag]

    def walk(self) -> Iterator[ConfElement]:
        yield self
        for child in self.children:
            yield from child.walk()

    def copy(self) -> ConfElement:
        return ConfElement(self.tag, dict(self.attrs), [c.copy() for c in self.children], self.line)
