"""Network-fault and whole-cluster steps in scenarios: what they need, and that nothing outlives the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.netfault import netfaults_supported
from harness.pytest_plugin import in_ci
from harness.scenario.generate import LIBRARY
from harness.scenario.runner import ScenarioRunner
from harness.scenario.spec import parse

pytestmark = pytest.mark.slow
LAB = f'[lab]\nconf = "{LIBRARY}/labs/three_nodes.conf"\n'


def _our_delayers() -> list[int]:
    """Delayer processes working on a namespace of this test process (names carry our pid)."""
    mark, found = f"-{os.getpid()}-", []
    for entry in os.listdir("/proc"):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if "harness.nfqueue" in cmdline and mark in cmdline:
            found.append(int(entry))
    return found


def test_network_faults_are_removed_when_a_later_step_fails(tmp_path: Path) -> None:
    why = "machine labs need root" if os.geteuid() != 0 else netfaults_supported()
    if why:
        if in_ci():
            pytest.fail(why)
        pytest.skip(why)
    text = LAB + (
        'machines = true\n[[step]]\ndo = "delay"\nnode = "node3"\nms = 20\n'
        '[[step]]\ndo = "partition"\ngroups = [["node1"], ["node2"]]\noneway = true\n'
        '[[step]]\ndo = "run"\nnode = "node1"\ncommand = "false"\nexit = 0\n'
    )
    runner = ScenarioRunner(parse(text, "t.toml", LIBRARY), tmp_path)
    seen: list[int] = []
    original = runner.lab.stop

    def stop() -> None:  # what runs while the lab is still up, just before it is torn down
        seen.extend(_our_delayers())
        original()

    runner.lab.stop = stop  # type: ignore[method-assign]
    outcome = runner.run()
    assert outcome.errors == ["RuntimeError: step 3: false exited 1, not 0"]
    assert seen == []  # the runner stopped the delayer before the lab went down
    faults = [e for e in outcome.history.of("fault") if e.get("fault") in ("delay", "partition")]
    assert {(e.get("target"), e.get("fault")) for e in faults} == {
        ("node3", "delay"), ("node1", "partition"), ("node2", "partition")
    }  # fmt: skip


def test_a_network_fault_on_a_loopback_lab_is_refused_in_one_line(tmp_path: Path) -> None:
    text = LAB + 'machines = false\n[[step]]\ndo = "loss"\nnode = "node2"\npercent = 10\n'
    outcome = ScenarioRunner(parse(text, "t.toml", LIBRARY), tmp_path).run()
    assert outcome.errors == ["RuntimeError: step 1: loss needs a machine lab (root)"]
