"""Resource rules from agents' metadata: the fixtures of rgmanager's agents and a real OCF agent."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from cluster.rm.agent_dir import AgentLibrary, ocf_root_for
from cluster.rm.rules import MetadataError, parse_metadata
from cluster.rm.values import atoi_flag, c_atoi, expand_time, yes_flag

from .support import DATA, fixture_rules, require_ocf_agent


def test_service_rule_levels_defaults_and_maxinstances() -> None:
    rule = fixture_rules().rule("service")
    assert rule is not None and rule.primary == "name" and rule.maxinstances == 1
    name = rule.param("name")
    assert name is not None and name.unique and name.required
    autostart = rule.param("autostart")
    assert autostart is not None and autostart.default == "1" and autostart.reconfig
    levels = {c.type: (c.start, c.stop) for c in rule.children}
    assert levels == {"lvm": (1, 9), "fs": (2, 8), "clusterfs": (3, 7), "netfs": (4, 6), "nfsexport": (5, 5),
                      "nfsclient": (6, 4), "ip": (7, 2), "smb": (8, 3), "script": (9, 1)}  # fmt: skip
    assert rule.status_op is None  # service.sh has no status action: always healthy
    start = rule.action("start")
    assert start is not None and start.timeout == 5


def test_fs_status_depths_and_inherit_clears_flags() -> None:
    rule = fixture_rules().rule("fs")
    assert rule is not None and rule.status_op == "status"
    depths = [(a.depth, a.interval, a.timeout) for a in rule.status_actions()]
    assert depths == [(0, 60, 10), (10, 30, 30), (20, 60, 30)]  # "1m" expanded
    nfslock = rule.param("nfslock")
    assert nfslock is not None and nfslock.inherit == "nfslock"
    ip = fixture_rules().rule("ip")
    assert ip is not None and ip.child("nfsclient") is not None and ip.child("nfsclient").forbid  # type: ignore[union-attr]


def test_flag_spellings_and_a_second_primary() -> None:
    xml = """<resource-agent name="t"><parameters>
      <parameter name="a" primary="yes"/><parameter name="b" unique="Y" required="0" inherit="x%b"/>
      <parameter name="c" primary="1"/></parameters></resource-agent>"""
    with pytest.raises(MetadataError, match="more than one primary"):
        parse_metadata(xml, "t")
    rule = parse_metadata(xml.replace(' primary="1"', ""), "t")
    b = rule.param("b")
    assert rule.primary == "a" and b is not None and not b.unique  # inherit clears primary/unique/required


def test_plain_ocf_metadata_gets_a_name_primary_and_monitor() -> None:
    xml = """<?xml version="1.0"?><!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
    <resource-agent name="Thing"><parameters><parameter name="state" unique="1"/></parameters>
    <actions><action name="monitor" timeout="20s" interval="10s" depth="0"/></actions></resource-agent>"""
    rule = parse_metadata(xml, "Thing")
    assert rule.implicit_primary and rule.primary == "name" and rule.status_op == "monitor"
    assert rule.status_actions()[0].interval == 10


@pytest.mark.parametrize("bad", ["", "not xml", "<other/>", "<resource-agent/>"])
def test_unusable_metadata_is_one_line(bad: str) -> None:
    with pytest.raises(MetadataError) as err:
        parse_metadata(bad, "agent-x")
    assert "\n" not in str(err.value) and str(err.value).startswith("agent-x")


def test_rgmanager_value_quirks() -> None:
    assert [c_atoi(v) for v in ("12", " 7x", "-3", "yes", "", None)] == [12, 7, -3, 0, 0, 0]
    assert not atoi_flag("yes") and atoi_flag("1") and not atoi_flag("no")  # autostart="yes" means no
    assert yes_flag("yes") and yes_flag("1") and yes_flag("Y") and not yes_flag("2") and not yes_flag(None)
    assert [expand_time(v) for v in ("30", "1m", "1h30m", "2d", "1w", "10x", "", "5s")] == [
        30, 60, 5400, 172800, 604800, 0, 0, 5,
    ]  # fmt: skip


def test_library_runs_agents_by_type_name_and_reports_broken_ones(tmp_path: Path) -> None:
    """rgmanager-style ``T.sh`` agents (metadata from the fixtures); a broken one is reported, not fatal."""
    agent = tmp_path / "script.sh"
    agent.write_text(
        f'#!/bin/sh\n[ "$1" = meta-data ] && exec cat {DATA / "metadata" / "script.xml"}\nexit 3\n'
    )
    broken = tmp_path / "broken.sh"
    broken.write_text("#!/bin/sh\necho nope\n")
    for path in (agent, broken):
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    library = AgentLibrary([tmp_path])
    rule = library.rule("script")
    assert rule is not None and rule.agent_path == str(agent) and rule.ocf_root == str(tmp_path)
    same = dataclasses.replace(rule, agent_path="", ocf_root="/usr/share/cluster")
    assert same == fixture_rules().rule("script")  # the same rule, read through a process
    assert library.rule("nosuch") is None and library.known_types() == ["broken", "script"]
    assert library.rule("broken") is None and "meta-data is not XML" in library.problems[0]


def test_bundled_agents_are_the_default_resource_types() -> None:
    """Our service/ip/fs/script agents (cluster.rm_agents) answer with rgmanager's extensions."""
    library = AgentLibrary()
    for type_, primary in (("service", "name"), ("ip", "address"), ("fs", "name"), ("script", "name")):
        rule = library.rule(type_)
        assert rule is not None and not rule.implicit_primary and rule.primary == primary, library.problems
    service = library.rule("service")
    assert service is not None and service.child("script") is not None
    assert service.child("script").start == 9  # type: ignore[union-attr]
    script = library.rule("script")
    assert script is not None and script.param("service_name").inherit == "service%name"  # type: ignore[union-attr]


def test_ocf_root_of_a_provider_dir() -> None:
    assert ocf_root_for(Path("/usr/lib/ocf/resource.d/heartbeat")) == "/usr/lib/ocf"
    assert ocf_root_for(Path("/usr/share/cluster")) == "/usr/share/cluster"


@pytest.mark.interop
def test_real_heartbeat_dummy_becomes_a_resource_type() -> None:
    """Debian's resource-agents Dummy, its own metadata run as a process (no rgmanager could do this)."""
    path = require_ocf_agent("Dummy")
    rule = AgentLibrary([path.parent]).rule("Dummy")
    assert rule is not None and rule.type == "Dummy" and rule.ocf_root == "/usr/lib/ocf"
    assert rule.primary == "name" and rule.param("state") is not None and rule.status_op == "monitor"
    start = rule.action("start")
    assert start is not None and start.timeout == 20
