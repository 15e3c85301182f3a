"""fence_redfish's metadata is the stock agent's, parameter by parameter (plus --method), and validates."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import etree

from harness.pytest_plugin import require_tool
from harness.tools import our_tool

SCHEMA = Path("/usr/share/cluster/relaxng/metadata.rng")


def parameters(xml: str) -> dict[str, tuple[object, ...]]:
    root = etree.fromstring(xml.encode())
    out = {}
    for p in root.iter("parameter"):
        content = p.find("content")
        assert content is not None
        getopt = p.find("getopt")
        assert getopt is not None
        flags = (p.get("required"), p.get("deprecated"), p.get("obsoletes"), getopt.get("mixed"))
        out[p.get("name")] = (*flags, content.get("type"), content.get("default"))
    return out


def metadata(tool: str) -> str:
    done = subprocess.run([tool, "-o", "metadata"], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.interop
def test_same_parameters_as_stock_plus_method() -> None:
    ours = parameters(metadata(our_tool("fence_redfish")))
    stock = parameters(metadata(require_tool("fence_redfish")))
    assert set(ours) - set(stock) == {"method"}
    differ = {name for name in stock if ours[name] != stock[name]}
    assert differ == {"shell_timeout"}  # a deadline per answer: 10 s here (docs/agent-api.md), 3 in stock
    assert ours["shell_timeout"][-1] == "10" and stock["shell_timeout"][-1] == "3"


@pytest.mark.interop
def test_validates_against_the_fence_agents_schema() -> None:
    if not SCHEMA.exists():
        require_tool("fence_redfish")  # the schema comes with fence-agents
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    doc = etree.fromstring(metadata(our_tool("fence_redfish")).encode())
    assert schema.validate(doc), schema.error_log
    actions = [a.get("name") for a in doc.iter("action")]
    assert actions[:3] == ["on", "off", "reboot"] and {"list", "diag", "monitor"} <= set(actions)
