"""Scenarios run on real labs (nodes as machines when root), judged from the devices' ground truth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from harness.pytest_plugin import assert_safe, run_scenario
from harness.scenario.generate import LIBRARY
from harness.scenario.report import write_report
from harness.scenario.spec import load

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_passes_with_every_invariant_held(path: Path, tmp_path: Path) -> None:
    outcome = run_scenario(path, tmp_path)
    assert_safe(outcome)
    assert outcome.timings["teardown"] < 5.0


def test_the_report_renders(tmp_path: Path) -> None:
    outcome = run_scenario("crash-node", tmp_path / "run")
    index = write_report(outcome, tmp_path / "report")
    assert (tmp_path / "report" / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = index.read_text()
    assert "crash-node" in page and "PASS" in page and 'src="timeline.png"' in page
    suite = etree.parse(str(tmp_path / "report" / "junit.xml")).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests")) >= 3


def test_a_failing_expectation_fails_the_run_and_names_itself(tmp_path: Path) -> None:
    text = (LIBRARY / "quiet_cluster.toml").read_text().replace(
        "nobody-fenced", "fenced"
    ) + 'node = "node2"\n'
    scenario = tmp_path / "wrong.toml"
    scenario.write_text(text.replace('conf = "labs/', f'conf = "{LIBRARY}/labs/'))
    assert load(scenario).steps[0].get("what") == "fenced"
    out = subprocess.run([sys.executable, "-m", "harness.cli", "scenario", "run", str(scenario)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 1, out.stdout + out.stderr
    assert (
        "expect expect what=fenced within=4.0 node=node2: FAILED - not within 4 s: no device cut node2"
        in out.stdout
    )


def test_random_scenarios_run_and_print_their_replay_command(tmp_path: Path) -> None:
    junit = tmp_path / "random.xml"
    argv = [sys.executable, "-m", "harness.cli", "scenario", "random", "--seed", "7", "--count", "2",
            "--junit", str(junit)]  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.rstrip().endswith("2 passed, 0 failed")
    assert etree.parse(str(junit)).getroot().get("failures") == "0"


def test_cli_refuses_an_unknown_scenario_in_one_line() -> None:
    out = subprocess.run([sys.executable, "-m", "harness.cli", "scenario", "run", "no-such-scenario"],
                         capture_output=True, text=True, timeout=30)  # fmt: skip
    assert out.returncode == 2
    assert out.stderr.startswith("fencelab scenario: no scenario 'no-such-scenario' (a file, or one of: ")
    assert out.stderr.count("\n") == 1


def test_a_quiet_round_after_a_fence_counts_from_its_own_start(tmp_path: Path) -> None:
    from harness.scenario.generate import random_scenario
    from harness.scenario.runner import ScenarioRunner

    scenario = random_scenario(157)  # a node's daemon killed and fenced, then a round that must fence nobody
    expects = [s.get("what") for s in scenario.steps if s.do == "expect"]
    assert expects == ["fenced", "member", "nobody-fenced"]
    assert_safe(ScenarioRunner(scenario, tmp_path).run())


def test_the_plot_legend_names_every_mark() -> None:
    import warnings

    from harness.scenario.history import History
    from harness.scenario.runner import Outcome
    from harness.scenario.spec import load

    outcome = Outcome(load(LIBRARY / "quiet_cluster.toml"), History([]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns when the legend's handles and labels differ
        from harness.scenario.report import plot

        plot(outcome, Path("/dev/null"))
