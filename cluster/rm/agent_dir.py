"""Resource types from the agents on this machine (thin I/O layer over the pure :mod:`rules` parser).

rgmanager runs every executable in /usr/share/cluster with ``meta-data``. We look agents up lazily by
type name (``T``, ``T.sh`` or ``T.py`` in each directory, first directory wins) and cache the parsed rule
per file (path, mtime, size), so validating a cluster.conf runs only the agents it names. Directories:
``$FENCELAB_RM_AGENT_DIRS`` (os.pathsep separated) when set, else our bundled agents (cluster.rm_agents),
then the OCF heartbeat agents of Debian's resource-agents. ``OCF_RA_DIALECT=rgmanager`` asks our agents
for rgmanager's metadata extensions (primary, inherit, child levels); other agents ignore it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

from cluster.rm_agents import agent_dir

from .ocf_exec import run_operation
from .rules import MetadataError, ResourceRule, parse_metadata

AGENT_DIRS_ENV = "FENCELAB_RM_AGENT_DIRS"
OCF_HEARTBEAT_DIR = Path("/usr/lib/ocf/resource.d/heartbeat")
METADATA_TIMEOUT = 10.0
_IGNORED_SUFFIXES = ("~", ".rpmnew", ".rpmsave", ".rpmorig", ".dpkg-old", ".dpkg-new", ".xml", ".pyc")
DIALECT = {"OCF_RA_DIALECT": "rgmanager"}

_cache: dict[tuple[str, int, int], ResourceRule] = {}


def default_agent_dirs() -> list[Path]:
    configured = os.environ.get(AGENT_DIRS_ENV)
    if configured:
        return [Path(d) for d in configured.split(os.pathsep) if d]
    return [agent_dir(), OCF_HEARTBEAT_DIR]


def ocf_root_for(directory: Path) -> str:
    """OCF agents live in <root>/resource.d/<provider>/; rgmanager's agents use their own dir as the root."""
    if directory.parent.name == "resource.d":
        return str(directory.parent.parent)
    return str(directory)


def _usable(path: Path) -> bool:
    return (
        path.is_file()
        and os.access(path, os.X_OK)
        and not path.name.startswith(".")
        and not path.name.endswith(_IGNORED_SUFFIXES)
    )


def agent_names(dirs: Sequence[Path]) -> list[str]:
    """Every type name an agent file suggests (``ip.sh`` -> ``ip``), for "did you mean" hints."""
    names: set[str] = set()
    for directory in dirs:
        if directory.is_dir():
            for path in directory.iterdir():
                if _usable(path):
                    names.add(path.name.removesuffix(".sh").removesuffix(".py"))
    return sorted(names)


def read_rule(path: Path, ocf_root: str) -> ResourceRule:
    """Run ``path meta-data`` once per file version and parse it; :class:`MetadataError` if unusable."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key in _cache:
        return _cache[key]
    result = run_operation(str(path), "meta-data", {"OCF_ROOT": ocf_root, **DIALECT}, METADATA_TIMEOUT)
    if result.rc != 0:
        raise MetadataError(f"{path}: meta-data failed ({result.detail})")
    rule = dataclasses.replace(
        parse_metadata(result.stdout, str(path)), agent_path=str(path), ocf_root=ocf_root
    )
    _cache[key] = rule
    return rule


class AgentLibrary:
    """Resource rules by type name, found on demand in the agent directories."""

    def __init__(self, dirs: Sequence[Path] | None = None) -> None:
        self.dirs = list(dirs) if dirs is not None else default_agent_dirs()
        self._rules: dict[str, ResourceRule | None] = {}
        self.problems: list[str] = []  # agents that exist but whose metadata is unusable

    def rule(self, type_: str) -> ResourceRule | None:
        if type_ not in self._rules:
            self._rules[type_] = self._find(type_)
        return self._rules[type_]

    def _find(self, type_: str) -> ResourceRule | None:
        if "/" in type_ or type_.startswith("."):
            return None
        for directory in self.dirs:
            for candidate in (directory / type_, directory / f"{type_}.sh", directory / f"{type_}.py"):
                if not _usable(candidate):
                    continue
                try:
                    rule = read_rule(candidate, ocf_root_for(directory))
                except (MetadataError, OSError) as err:
                    self.problems.append(str(err))
                    continue
                if rule.type == type_:
                    return rule
        return None

    def known_types(self) -> list[str]:
        return agent_names(self.dirs)

    def all_rules(self) -> list[ResourceRule]:
        """Every agent's rule (rg_test rules): runs each agent's meta-data once."""
        return [r for r in (self.rule(name) for name in self.known_types()) if r is not None]
