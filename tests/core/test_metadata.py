"""Metadata XML: schema-valid for every agent shape, upstream's layout, and manpage/usage output."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from lxml import etree

from core.dummy_agent import FakeClock, MemoryDevice, memory_spec
from fence_agents.metadata import escape_attr, getopt_mixed, manpage, metadata_xml, usage
from fence_agents.options import COMMON
from fence_agents.spec import AgentSpec, Option, OptType
from harness.pytest_plugin import in_ci, require_tool

SCHEMA = "/usr/share/cluster/relaxng/metadata.rng"


def require_file(path: str, package: str) -> str:
    """A file a Debian package installs: fail under CI=true, skip elsewhere, when it is missing."""
    if not os.path.isfile(path):
        reason = f"{path} not found: apt-get install {package}"
        if in_ci():
            pytest.fail(reason + " (CI=true: interop tests may not skip)")
        pytest.skip(reason)
    return path


DEV = MemoryDevice(clock=FakeClock())

PLUG_AGENT = memory_spec(
    DEV,
    name="fence_plugs",
    uses=("ipaddr", "login", "passwd", "port", "secure", "cmd_prompt", "ssh_path", "telnet_path"),
    defaults={"login_timeout": "10", "cmd_prompt": "['RSM>', 'NPS>']"},
)
FABRIC_AGENT = memory_spec(
    DEV,
    name="fence_fabric",
    uses=("ipaddr", "login", "passwd", "port", "community", "snmp_version"),
    fabric=True,
    defaults={"snmp_version": "2c"},
)
NO_PLUG_AGENT = memory_spec(
    DEV,
    name="fence_bmc",
    uses=("ipaddr", "login", "passwd", "method"),
    plug_required=False,
    actions=("diag",),
    defaults={"ipport": "623", "power_wait": "2"},
    options=(
        Option("lanplus", "lanplus", "P", OptType.BOOLEAN, shortdesc="Use Lanplus & <friends>"),
        Option(
            "privlvl",
            "privlvl",
            "L",
            OptType.SELECT,
            "administrator",
            choices=("user", "administrator"),
            shortdesc="Privilege level",
            metavar="level",
        ),
    ),
    symlinks={"fence_bmc_alias": {"shortdesc": "Fence agent for an alias"}},
)
SHAPES = {"plug": PLUG_AGENT, "fabric": FABRIC_AGENT, "no-plug": NO_PLUG_AGENT}


def parse(spec: AgentSpec) -> etree._Element:
    return etree.fromstring(metadata_xml(spec).encode())


def params(spec: AgentSpec) -> dict[str, etree._Element]:
    return {p.get("name"): p for p in parse(spec).iter("parameter")}


@pytest.mark.parametrize("shape", SHAPES)
def test_validates_against_fence_agents_schema(shape: str) -> None:
    schema = etree.RelaxNG(etree.parse(require_file(SCHEMA, "fence-agents")))
    doc = parse(SHAPES[shape])
    assert schema.validate(doc), schema.error_log


def test_deprecated_and_obsoletes_twins() -> None:
    p = params(PLUG_AGENT)
    for old, new in [
        ("ipaddr", "ip"),
        ("login", "username"),
        ("passwd", "password"),
        ("port", "plug"),
        ("secure", "ssh"),
        ("cmd_prompt", "command_prompt"),
        ("passwd_script", "password_script"),
        ("debug", "debug_file"),
    ]:
        assert p[old].get("deprecated") == "1" and p[old].get("obsoletes") is None
        assert p[new].get("obsoletes") == old and p[new].get("deprecated") is None
        assert etree.tostring(p[old][0]) == etree.tostring(p[new][0])  # same getopt
    assert p["ipport"].get("deprecated") is None and p["ipport"].get("obsoletes") is None


def test_required_flags() -> None:
    p = params(PLUG_AGENT)
    assert {n for n, e in p.items() if e.get("required") == "1"} == {"action", "ip", "ipaddr", "plug", "port"}
    q = params(NO_PLUG_AGENT)
    assert {n for n, e in q.items() if e.get("required") == "1"} == {"action"}


def test_on_action_first_and_automatic_only_for_fabric() -> None:
    def actions(spec: AgentSpec) -> list[tuple[str, str | None]]:
        return [(a.get("name"), a.get("automatic")) for a in parse(spec).iter("action")]

    assert actions(PLUG_AGENT)[0] == ("on", "0")
    assert [a for a, _ in actions(PLUG_AGENT)] == [
        "on",
        "off",
        "reboot",
        "status",
        "list",
        "list-status",
        "monitor",
        "metadata",
        "manpage",
        "validate-all",
    ]
    assert actions(FABRIC_AGENT)[0] == ("on", "1")
    assert "reboot" not in dict(actions(FABRIC_AGENT))
    assert [a for a, _ in actions(NO_PLUG_AGENT)] == [
        "on",
        "off",
        "reboot",
        "status",
        "monitor",
        "metadata",
        "manpage",
        "validate-all",
        "diag",
    ]


def test_defaults_and_types() -> None:
    p = params(NO_PLUG_AGENT)
    assert p["ipport"].find("content").get("default") == "623"
    assert p["power_wait"].find("content").get("type") == "second"
    assert p["power_wait"].find("content").get("default") == "2"
    assert p["lanplus"].find("content").get("type") == "boolean"
    select = p["privlvl"].find("content")
    assert select.get("type") == "select" and [o.get("value") for o in select] == ["user", "administrator"]
    assert p["plug"].find("getopt").get("mixed") == "-n, --plug=[ip]"
    assert "port_as_ip" in p
    assert params(PLUG_AGENT)["ipport"].find("content").get("default") == "23"
    assert params(FABRIC_AGENT)["ipport"].find("content").get("default") == "161"
    assert parse(FABRIC_AGENT).find("parameters/parameter[@name='action']/content").get("default") == "off"


def test_escaping() -> None:
    p = params(PLUG_AGENT)
    assert p["cmd_prompt"].find("content").get("default") == "['RSM>', 'NPS>']"
    assert "&apos;RSM&gt;&apos;" in metadata_xml(PLUG_AGENT)
    assert params(NO_PLUG_AGENT)["lanplus"].find("shortdesc").text == "Use Lanplus & <friends>"
    assert escape_attr("<a\"&'>") == "&lt;a&quot;&amp;&apos;&gt;"


def test_symlinks_listed() -> None:
    links = [(s.get("name"), s.get("shortdesc")) for s in parse(NO_PLUG_AGENT).iter("symlink")]
    assert links == [("fence_bmc_alias", "Fence agent for an alias")]


def test_getopt_mixed_shapes() -> None:
    assert getopt_mixed(COMMON["ipaddr"]) == "-a, --ip=[ip]"
    assert getopt_mixed(COMMON["secure"]) == "-x, --ssh"
    assert getopt_mixed(COMMON["ssh_options"]) == "--ssh-options=[options]"
    assert getopt_mixed(COMMON["verbose_level"]) == "--verbose-level"


def test_same_parameters_as_stock_fence_wti() -> None:
    """Our table reproduces fence_wti's parameter list, flags, types and defaults exactly."""
    wti = require_tool("fence_wti")
    stock = etree.fromstring(subprocess.run([wti, "-o", "metadata"], capture_output=True, check=True).stdout)
    ours = parse(PLUG_AGENT)

    def table(root: etree._Element) -> dict[str, tuple[object, ...]]:
        return {
            p.get("name"): (
                p.get("required"),
                p.get("deprecated"),
                p.get("obsoletes"),
                p.find("getopt").get("mixed"),
                p.find("content").get("type"),
                p.find("content").get("default"),
                p.find("shortdesc").text,
            )
            for p in root.iter("parameter")
        }

    theirs, mine = table(stock), table(ours)
    # disable_timeout: our text says what we do (Pacemaker does not imply it: docs/agent-api.md, Decisions)
    ignored = {"cmd_prompt", "command_prompt", "disable_timeout"}
    differing = {k for k in theirs if k in mine and theirs[k] != mine[k]} - ignored
    assert differing == set()
    assert set(theirs) == set(mine)
    order_theirs = [n for n in theirs]
    assert order_theirs == list(mine)
    assert [a.get("name") for a in stock.iter("action")] == [a.get("name") for a in ours.iter("action")]


def test_usage_text_layout() -> None:
    text = usage(PLUG_AGENT, "fence_plugs")
    assert text.startswith("Usage:\n\tfence_plugs [options]\nOptions:\n")
    assert "   -a, --ip=[ip]                  IP address or hostname of fencing device\n" in text
    assert "   -o, --action=[action]          Action: on, off, reboot (default), status, list," in text
    assert all(len(line) <= 85 for line in text.splitlines())


def test_manpage_is_groff() -> None:
    page = manpage(NO_PLUG_AGENT, "fence_bmc")
    assert page.startswith(".TH FENCE_BMC 8")
    assert ".SH NAME\nfence_bmc - " in page
    assert re.search(r"\.B -a, --ip=\[ip\]\n", page)
    assert ".B diag" in page
