"""The Pacemaker scenario backend's pure parts: operator commands translated, bundled-only steps refused
before any lab is built (the scenario is SKIPPED with one line why)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.pacemaker.scenario_backend import translate_command
from harness.scenario.generate import LIBRARY
from harness.scenario.runner import ScenarioRunner
from harness.scenario.spec import parse


@pytest.mark.parametrize(
    ("bundled", "pacemaker"),
    [
        ("fence_node node3", ["stonith_admin", "--reboot", "node3"]),
        ("fence_ack_manual node3", ["stonith_admin", "--confirm", "node3"]),
        ("cman_tool expected -e 1", ["corosync-quorumtool", "-e", "1"]),
        ("clustat", ["crm_mon", "-1"]),
        ("clusvcadm -d service:www", ["crm_resource", "--resource", "www", "--meta", "--set-parameter",
                                      "target-role", "--parameter-value", "Stopped"]),
        ("clusvcadm -e www", ["crm_resource", "--resource", "www", "--meta", "--set-parameter",
                              "target-role", "--parameter-value", "Started"]),
        ("clusvcadm -r www -m node2", ["sh", "-c", "crm_resource --move --resource www --node node2 "
                                       "&& crm_resource --wait --timeout 60; "
                                       "crm_resource --clear --resource www"]),
    ],
)  # fmt: skip
def test_operator_commands_become_pacemaker_commands(bundled: str, pacemaker: list[str]) -> None:
    assert translate_command(bundled.split()) == pacemaker


def test_a_command_without_an_equivalent_says_so() -> None:
    assert translate_command(["cman_tool", "leave"]) == (
        "cman_tool leave has no Pacemaker equivalent here (bundled stack only)"
    )


SCENARIO = f"""name = "lockdown"
[lab]
conf = "{LIBRARY}/labs/three_nodes.conf"
[[step]]
do = "run"
node = "node1"
command = "clusvcadm -l"
[[step]]
do = "partition"
groups = [["node1", "node2"], ["node3"]]
"""


def test_a_bundled_only_step_skips_the_scenario_before_anything_starts(tmp_path: Path) -> None:
    scenario = parse(SCENARIO, "lockdown.toml", tmp_path)
    outcome = ScenarioRunner(scenario, tmp_path / "run", "pacemaker").run()
    assert outcome.ok and outcome.skipped == (
        "step 1 (run node=node1 command=clusvcadm -l): clusvcadm -l has no Pacemaker equivalent here "
        "(bundled stack only)"
    )
    assert outcome.history.events == [] and not (tmp_path / "run" / "lab").exists()


def test_the_cli_reports_a_skip_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "lockdown.toml"
    path.write_text(SCENARIO)
    junit = tmp_path / "junit.xml"
    argv = [sys.executable, "-m", "harness.cli", "scenario", "run", "--backend", "pacemaker", str(path),
            "--junit", str(junit)]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("scenario lockdown: SKIPPED on pacemaker: step 1 (run node=node1 ")
    assert out.stdout.rstrip().endswith("0 passed, 0 failed, 1 skipped")
    assert "<skipped message=" in junit.read_text()
