"""Shared helpers of the resource manager tests: fixture rules, configurations from text."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cluster.config.errors import Problem
from cluster.config.xmlload import parse_xml_bytes
from cluster.rm.conf_build import StaticRules, build_rm
from cluster.rm.conf_model import RmConfig
from cluster.rm.rules import ResourceRule, parse_metadata

DATA = Path(__file__).parent / "data"
NODES3 = "".join(f'<clusternode name="node{i}" nodeid="{i}"/>' for i in (1, 2, 3))


@lru_cache(maxsize=1)
def fixture_rules() -> StaticRules:
    rules: dict[str, ResourceRule] = {}
    for path in sorted((DATA / "metadata").glob("*.xml")):
        rule = parse_metadata(path.read_bytes(), path.name)
        rules[rule.type] = rule
    return StaticRules(rules)


def rm_from_text(rm_body: str, nodes: str = NODES3) -> tuple[RmConfig, list[Problem]]:
    """Build <rm> from its inner XML inside a small cluster (line 3 is <rm>'s first child line)."""
    head = f'<cluster name="c" config_version="1">\n<clusternodes>{nodes}</clusternodes>\n'
    xml = f"{head}<rm>{rm_body}</rm>\n</cluster>"
    root = parse_xml_bytes(xml.encode(), "c.conf")
    names = {n.attrs["name"] for n in root.walk() if n.tag == "clusternode"}
    return build_rm(root.find("rm"), fixture_rules(), "c.conf", names)


HEARTBEAT = Path("/usr/lib/ocf/resource.d/heartbeat")


def require_ocf_agent(name: str) -> Path:
    """A Debian resource-agents heartbeat agent: fail under CI (setup.sh installs it), skip elsewhere."""
    import os

    import pytest

    from harness.pytest_plugin import in_ci

    path = HEARTBEAT / name
    if not os.access(path, os.X_OK):
        reason = f"{path} not found: apt-get install resource-agents"
        if in_ci():
            pytest.fail(reason + " (CI=true: interop tests may not skip)")
        pytest.skip(reason)
    return path
