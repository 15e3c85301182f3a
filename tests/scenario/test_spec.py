"""Scenario files: what a mistake says (one line, file and step), and the random generator's replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.scenario.generate import LIBRARY, random_scenario
from harness.scenario.spec import ScenarioError, load, parse

LAB = '[lab]\nconf = "labs/three_nodes.conf"\n'


def error(text: str) -> str:
    with pytest.raises(ScenarioError) as err:
        parse(text, "t.toml", LIBRARY)
    assert "\n" not in str(err.value)
    return str(err.value)


def test_every_shipped_scenario_loads() -> None:
    names = [load(p).name for p in sorted(LIBRARY.glob("*.toml"))]
    assert len(names) >= 7 and len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\n", "t.toml: [lab] needs conf"),
        ('[lab]\nconf = "nope.conf"\n[[step]]\ndo = "heal"\n', "t.toml: [lab] conf nope.conf is not a file"),
        (LAB, "t.toml: no [[step]]"),
        (LAB + '[[step]]\ndo = "explode"\n', "t.toml: step 1: do = 'explode' is not one of crash"),
        (LAB + '[[step]]\ndo = "crash"\n', "t.toml: step 1: crash needs node"),
        (LAB + '[[step]]\ndo = "expect"\nwhat = "fenced"\n', "t.toml: step 1: expect needs node"),
        (LAB + '[[step]]\ndo = "expect"\nwhat = "happy"\n', "t.toml: step 1: what = 'happy' is not one of"),
        (LAB + '[[step]]\ndo = "crash"\nnode = "n"\nafter = -1\n', "t.toml: step 1: after must be seconds"),
        (LAB + '[[step]]\ndo = "partition"\ngroups = "a"\n', "t.toml: step 1: groups is a list of lists"),
        (LAB + '[limits]\nspeed = 1\n[[step]]\ndo = "heal"\n', "t.toml: [limits] speed is not one of"),
        ("[lab\n", "t.toml: "),
        (
            LAB + '[[step]]\ndo = "loss"\nnode = "node1"\npercent = 120\n',
            "t.toml: step 1: percent must be a number from 0.01 to 100",
        ),
        (LAB + '[[step]]\ndo = "loss"\nnode = "node1"\n', "t.toml: step 1: loss needs percent"),
        (
            LAB + '[[step]]\ndo = "delay"\nnode = "node1"\nms = 10\njitter = 20\n',
            "t.toml: step 1: jitter must be a number from 0 to 10",
        ),
        (
            LAB + '[[step]]\ndo = "delay"\nnode = "node1"\nms = 10\npeers = "node2"\n',
            "t.toml: step 1: peers is a list of node names",
        ),
        (
            LAB + '[[step]]\ndo = "partition"\ngroups = [["node1"]]\noneway = true\n',
            "t.toml: step 1: a one-way partition needs two groups",
        ),
        (
            LAB + '[[step]]\ndo = "partition"\ngroups = [["node1"], ["node2"]]\noneway = "yes"\n',
            "t.toml: step 1: oneway is true or false",
        ),
        (
            LAB + '[[step]]\ndo = "restart-cluster"\npower = true\noff = -1\n',
            "t.toml: step 1: off must be a number from 0 to 600",
        ),
    ],
)
def test_a_broken_scenario_says_what_and_where_in_one_line(text: str, message: str) -> None:
    assert error(text).startswith(message)


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load(tmp_path / "missing.toml")


def test_the_same_seed_gives_the_same_schedule_and_seeds_differ() -> None:
    a, b = random_scenario(42), random_scenario(42)
    assert a.steps == b.steps and a.description == b.description
    schedules = {tuple(s.describe() for s in random_scenario(seed).steps) for seed in range(30)}
    assert len(schedules) > 10
    for seed in range(30):  # every fault is followed by what a correct cluster must do about it
        steps = random_scenario(seed).steps
        assert steps[-1].do == "expect"


def test_random_network_faults_are_healed_and_ask_for_machines() -> None:
    kinds = set()
    for seed in range(60):
        scenario = random_scenario(seed)
        steps = scenario.steps
        network = [s for s in steps if s.do in ("loss", "delay") or s.get("oneway")]
        kinds |= {s.do + ("-oneway" if s.get("oneway") else "") for s in network}
        assert scenario.machines is (True if network else None)
        for fault in network:  # a heal follows each, after what the cluster must do about it
            later = steps[fault.index :]
            assert later[0].do == "expect" and any(s.do == "heal" for s in later)
            if fault.do in ("loss", "delay"):
                assert later[0].get("what") == "nobody-fenced"
    assert kinds == {"loss", "delay", "partition-oneway"}


def test_the_spec_names_every_invariant() -> None:
    from harness.scenario.invariants import INVARIANTS
    from harness.scenario.spec import INVARIANT_NAMES

    assert tuple(INVARIANTS) == INVARIANT_NAMES
