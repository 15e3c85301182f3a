"""The one error a translation raises."""

from __future__ import annotations


class TranslateError(ValueError):
    """A cluster.conf feature Pacemaker cannot express (or we do not translate): one line, "
    "file:line if known."""


def where(source: str, line: int | None) -> str:
    return f"{source}:{line}" if line else source
