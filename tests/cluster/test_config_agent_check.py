"""ccs_config_validate checks fence devices against the agents' own metadata (issue 9, item 6). The agents
run as processes: ours, and Debian's stock ones. (<rm>, item 7, is cluster/rm's full check now.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cluster.config.agent_check import _missing_required
from cluster.config.agent_metadata import parse_metadata
from harness.pytest_plugin import require_tool
from harness.tools import run

NODES = """  <clusternodes>
    <clusternode name="n1" nodeid="1">
      <fence><method name="1"><device name="dev" {device}/></method></fence>
    </clusternode>
  </clusternodes>
"""


def conf(tmp: Path, fencedevice: str, device: str = 'port="1"', rm: str = "") -> Path:
    path = tmp / "cluster.conf"
    path.write_text(
        f'<?xml version="1.0"?>\n<cluster name="c" config_version="1">\n{NODES.format(device=device)}'
        f'  <fencedevices>\n    <fencedevice name="dev" {fencedevice}/>\n  </fencedevices>\n{rm}</cluster>\n'
    )
    return path


def validate(path: Path, env: dict[str, str] | None = None) -> tuple[int, str, list[str]]:
    done = run(
        [sys.executable, "-m", "cluster.tools.ccs_config_validate", "-f", str(path)], env=env, timeout=60
    )
    return done.returncode, done.stdout, done.stderr.splitlines()


def test_unknown_agent_names_it_and_where_it_was_looked_for(tmp_path: Path) -> None:
    path = conf(tmp_path, 'agent="fence_npz" ipaddr="192.0.2.1"')
    code, out, err = validate(path)
    assert (code, out) == (1, "Configuration fails to validate\n")
    assert len(err) == 1 and err[0].startswith(f"{path}:9: <fencedevice>: ")
    assert "no such fence agent 'fence_npz'" in err[0] and "/usr/sbin" in err[0] and "$PATH" in err[0]


def test_misspelt_attribute_gets_file_line_and_the_closest_name(tmp_path: Path) -> None:
    path = conf(tmp_path, 'agent="fence_nps" ipadr="192.0.2.1" passwd="x"')
    code, _, err = validate(path)
    assert code == 1
    assert f'{path}:9: <fencedevice>: fencedevice "dev": fence_nps has no parameter "ipadr"' in err[0]
    assert err[0].endswith("(did you mean ipaddr?)")
    # the node's <device> is checked too, at its own line
    path = conf(tmp_path, 'agent="fence_nps" ipaddr="192.0.2.1"', device='port="1" pasword="x"')
    code, _, err = validate(path)
    assert code == 1 and err == [
        f'{path}:5: <device>: node "n1" device "dev": fence_nps has no parameter "pasword" '
        "(did you mean password?)"
    ]


@pytest.mark.parametrize(
    "attrs",
    [
        'ipaddr="192.0.2.1" login="a" passwd="x" secure="1"',  # deprecated names
        'ip="192.0.2.1" username="a" password="x" ssh="1"',  # their new names
        'serial_port="/dev/ttyS0"',  # no ip: a serial line stands in
    ],
)
def test_valid_names_old_and_new(tmp_path: Path, attrs: str) -> None:
    code, out, err = validate(conf(tmp_path, f'agent="fence_nps" {attrs}'))
    assert (code, out, err) == (0, "Configuration validates\n", [])


def test_required_parameter_missing_from_device_and_fencedevice(tmp_path: Path) -> None:
    path = conf(tmp_path, 'agent="fence_brocade" ipaddr="192.0.2.1" password="x"')
    code, _, err = validate(path)
    assert code == 1 and len(err) == 1
    assert err[0] == (
        f'{path}:5: <device>: node "n1" device "dev": fence_brocade requires username (or login), '
        'given neither here nor by fencedevice "dev"'
    )
    # given on the node's <device>: the merged attributes are what fenced passes, so it validates
    path = conf(
        tmp_path, 'agent="fence_brocade" ipaddr="192.0.2.1" password="x"', device='port="1" login="a"'
    )
    assert validate(path)[0] == 0
    # port/plug, nodename and action are fenced's (or the agent's default), never required here
    assert validate(conf(tmp_path, 'agent="fence_nps" ipaddr="192.0.2.1"', device=""))[0] == 0


@pytest.mark.interop
@pytest.mark.parametrize(
    ("agent", "attrs"),
    [
        ("fence_wti", 'ipaddr="192.0.2.1" passwd="x"'),
        ("fence_apc", 'ipaddr="192.0.2.1" login="apc" passwd="apc"'),
        ("fence_apc_snmp", 'ipaddr="192.0.2.1" community="private"'),
        ("fence_ipmilan", 'ipaddr="192.0.2.1" login="admin" passwd="x" lanplus="1"'),
    ],
)
def test_stock_debian_agents_validate(tmp_path: Path, agent: str, attrs: str) -> None:
    require_tool(agent)
    env = {"FENCELAB_AGENT_PATH": "/usr/sbin"}  # the stock agent, not ours of the same name
    assert validate(conf(tmp_path, f'agent="{agent}" {attrs}'), env) == (0, "Configuration validates\n", [])
    code, _, err = validate(conf(tmp_path, f'agent="{agent}" {attrs} ipadr="x"'), env)
    assert code == 1 and "did you mean ipaddr?" in err[0]


METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_counted" shortdesc="a test agent">
<parameters>
  <parameter name="ip" required="1" obsoletes="ipaddr"><content type="string"/></parameter>
  <parameter name="ipaddr" required="1" deprecated="1"><content type="string"/></parameter>
  <parameter name="port" required="1" deprecated="1"><content type="string"/></parameter>
  <parameter name="plug" required="1" obsoletes="port"><content type="string"/></parameter>
  <parameter name="action" required="1"><content type="string"/></parameter>
</parameters>
</resource-agent>
"""


def test_metadata_is_cached_by_agent_path_and_mtime(tmp_path: Path) -> None:
    agents, counter = tmp_path / "agents", tmp_path / "runs"
    agents.mkdir()
    script = agents / "fence_counted"
    script.write_text(f"#!/bin/sh\necho run >> '{counter}'\ncat <<'EOF'\n{METADATA}EOF\n")
    script.chmod(0o755)
    env = {"FENCELAB_AGENT_PATH": str(agents), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    path = conf(tmp_path, 'agent="fence_counted" ipaddr="192.0.2.1"')
    for _ in range(3):
        assert validate(path, env)[0] == 0
    assert counter.read_text().count("run") == 1  # asked once, then read from the cache
    stat = script.stat()
    os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a new version of the agent
    assert validate(path, env)[0] == 0
    assert counter.read_text().count("run") == 2


def test_required_groups_from_metadata() -> None:
    meta = parse_metadata(METADATA.encode(), "fence_counted", "/x")
    assert meta.group("ipaddr") == {"ip", "ipaddr"} == meta.group("ip")
    assert _missing_required(set(), meta) == ["ip (or ipaddr)"]
    assert _missing_required({"ipaddr"}, meta) == []


def test_agent_without_metadata_is_a_warning_not_a_pass_or_a_crash(tmp_path: Path) -> None:
    agents = tmp_path / "agents"
    agents.mkdir()
    (agents / "fence_mute").write_text("#!/bin/sh\nexit 1\n")
    (agents / "fence_mute").chmod(0o755)
    env = {"FENCELAB_AGENT_PATH": str(agents), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code, out, err = validate(conf(tmp_path, 'agent="fence_mute" ipaddr="192.0.2.1"'), env)
    assert (code, out) == (0, "Configuration validates\n")
    assert len(err) == 1 and "warning:" in err[0] and "fence_mute -o metadata failed (exit 1)" in err[0]
