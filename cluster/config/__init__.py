"""cluster.conf: loading (XML; LDAP later), the typed model, validation and derived values."""

from __future__ import annotations

from pathlib import Path

from .build import build_config
from .errors import ConfigError, Problem
from .model import ClusterConf, ClusterNode, FenceDevice
from .tree import ConfElement
from .validate import validate_tree
from .xmlload import DEFAULT_CONFIG_PATH, load_xml, parse_xml_bytes


def load_cluster_conf(path: str | Path = DEFAULT_CONFIG_PATH) -> ClusterConf:
    """Load and validate a cluster.conf; raise :class:`ConfigError` with the first problem found.

    <rm> is left to the resource manager, which checks it when it loads it, as rgmanager did: checking it
    here would run the resource agents' meta-data in every tool (ccs_config_validate does it)."""
    conf, problems = validate_tree(load_xml(path), str(path))
    if problems:
        raise ConfigError(problems[0])
    assert conf is not None
    return conf


__all__ = [
    "DEFAULT_CONFIG_PATH",
    "ClusterConf",
    "ClusterNode",
    "ConfElement",
    "ConfigError",
    "FenceDevice",
    "Problem",
    "build_config",
    "load_cluster_conf",
    "load_xml",
    "parse_xml_bytes",
    "validate_tree",
]
