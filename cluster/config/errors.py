"""Configuration errors: each one names the source, the line and the element, in one line."""

from __future__ import annotations

from dataclasses import dataclass

from cluster.text_escape import one_line


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration, printable as ``file:line: <element>: message``."""

    source: str
    line: int | None
    element: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else f"{self.source}"
        return one_line(f"{where}: <{self.element}>: {self.message}")


class ConfigError(Exception):
    """A configuration that cannot be loaded or used. ``str(err)`` is the one line shown to the user."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def config_error(source: str, line: int | None, element: str, message: str) -> ConfigError:
    return ConfigError(Problem(source, line, element, message))
