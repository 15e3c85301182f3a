"""The conformance suite: our agents pass every check on every device; an agent that lies or leaks is
caught; reports are well-formed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from harness.conformance.checks import Result
from harness.conformance.cli import run_suite
from harness.conformance.invoke import argv_for, parse_metadata, read_metadata
from harness.conformance.report import junit_xml, text_table
from harness.pytest_plugin import require_tool

BIN = Path(sys.executable).parent


def failures(results: list[Result]) -> list[str]:
    return [f"{r.check}: {r.detail}" for r in results if r.ok is False]


@pytest.mark.parametrize(
    ("agent", "device", "stock"),
    [("fence_nps", "nps", "fence_wti"), ("fence_ipmilan", "bmc", "fence_ipmilan"),
     ("fence_ifmib", "san", "fence_ifmib"), ("fence_brocade", "san", "fence_brocade")],
)  # fmt: skip
@pytest.mark.interop
def test_our_agents_pass_every_check(agent: str, device: str, stock: str) -> None:
    results = run_suite(str(BIN / agent), device, require_tool(stock))
    assert not failures(results)
    assert sum(1 for r in results if r.ok) >= 25


def test_an_agent_that_reports_success_without_acting_is_caught(tmp_path: Path) -> None:
    liar = tmp_path / "fence_liar"
    liar.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do [ "$a" = metadata ] && exec ' + str(BIN / "fence_nps") + " -o metadata; done\n"
        "cat >/dev/null\nexit 0\n"
    )
    liar.chmod(0o755)
    results = {r.check: r for r in run_suite(str(liar), "nps", only=["actions", "faults", "delay"])}
    assert results["actions/stdin/off"].ok is False
    assert "device on" in results["actions/stdin/off"].detail
    assert results["fault/stuck"].ok is False and "does not show" in results["fault/stuck"].detail
    assert results["delay/before-connect"].ok is False


def test_a_leaked_password_is_found_in_the_process_list() -> None:
    stock = require_tool("fence_ipmilan")  # it hands the password to ipmitool on its command line
    results = {r.check: r for r in run_suite(stock, "bmc", only=["secrets"])}
    assert results["secrets/hidden"].ok is False
    assert "argv" in results["secrets/hidden"].detail


def test_metadata_flags_drive_each_invocation_style() -> None:
    out, meta = read_metadata(str(BIN / "fence_nps"))
    assert meta is not None and out.returncode == 0
    opts = {"ipaddr": "127.0.0.1", "plug": "3", "action": "off"}
    assert argv_for(meta, opts, "short")[0] == ["-a", "127.0.0.1", "-n", "3", "-o", "off"]
    assert argv_for(meta, opts, "long")[0] == ["--ip=127.0.0.1", "--plug=3", "--action=off"]
    assert argv_for(meta, opts, "stdin") == ([], "ipaddr=127.0.0.1\nplug=3\naction=off\n")
    with pytest.raises(KeyError):
        argv_for(meta, {"no_such_option": "1"}, "long")
    flag = parse_metadata(
        '<resource-agent name="x"><parameters><parameter name="lanplus"><getopt mixed="-P, --lanplus"/>'
        '<content type="boolean"/></parameter></parameters><actions/></resource-agent>'
    )
    assert argv_for(flag, {"lanplus": "1"}, "short")[0] == ["-P"]
    assert argv_for(flag, {"lanplus": "0"}, "long")[0] == []


def test_reports_text_and_junit() -> None:
    results = [Result("a/ok", True, "fine", 0.1), Result("a/bad", False, "exit 0, device on", 0.2),
               Result("a/na", None, "no list")]  # fmt: skip
    table = text_table("fence_x", "nps", results)
    assert "a/bad  FAIL" in table.replace("   ", "  ") or "FAIL" in table
    assert table.rstrip().endswith("1 passed, 1 failed, 1 not applicable")
    suite = etree.fromstring(junit_xml("fence_x", "nps", results).encode())
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    assert suite.find("testcase[@name='a/bad']/failure").get("message") == "exit 0, device on"


def test_cli_exit_codes(tmp_path: Path) -> None:
    junit = tmp_path / "r.xml"
    argv = [sys.executable, "-m", "harness.cli", "conformance", "--agent", str(BIN / "fence_nps"), "--device",
            "nps", "--only", "metadata", "--junit", str(junit)]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "metadata/relaxng" in out.stdout and junit.exists()
    bad = subprocess.run(argv[:5] + ["/nonexistent", "--device", "nps"], capture_output=True, text=True)
    assert (
        bad.returncode == 2
        and bad.stderr.strip() == "fencelab conformance: /nonexistent is not an executable file"
    )
