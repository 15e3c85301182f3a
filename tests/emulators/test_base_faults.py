"""The fault plan: pure decisions and counters."""

from __future__ import annotations

import pytest

from emulators.base.faults import FaultError, FaultKind, FaultPlan, FaultSpec, fault_from_mapping, parse_fault


def test_latency_adds_up_and_matches_commands_case_insensitively() -> None:
    plan = FaultPlan([parse_fault("latency:command=/S,seconds=0.25"), parse_fault("latency:seconds=0.5")])
    assert plan.on_command("/s").latency == pytest.approx(0.75)
    assert plan.on_command("/on").latency == pytest.approx(0.5)


def test_after_and_times() -> None:
    plan = FaultPlan([parse_fault("drop:command=/on,after=1,times=2")])
    effects = [plan.on_command("/on").effect for _ in range(5)]
    assert effects == [None, FaultKind.DROP, FaultKind.DROP, None, None]
    assert plan.on_command("/off").effect is None


@pytest.mark.parametrize("kind", ["hang", "garbage", "drop"])
def test_command_effects(kind: str) -> None:
    assert FaultPlan([parse_fault(kind)]).on_command("anything").effect is FaultKind(kind)


def test_relay_faults() -> None:
    plan = FaultPlan(
        [parse_fault("stuck:plugs=1+3"), parse_fault("lie:plugs=2,state=on"), parse_fault("lie:plugs=4")]
    )
    assert plan.is_stuck("1") and plan.is_stuck("3") and not plan.is_stuck("2")
    assert plan.reported("2", False) is True
    assert plan.reported("4", True) is False  # invert
    assert plan.reported("5", True) is True
    assert FaultPlan([parse_fault("stuck")]).is_stuck("7")  # no plugs: every plug


def test_refuse_login_counts() -> None:
    plan = FaultPlan([parse_fault("refuse-login:times=1")])
    assert plan.refuse_login() and not plan.refuse_login()


def test_plan_is_mutable_at_run_time() -> None:
    plan = FaultPlan()
    assert not plan and plan.on_command("/s").effect is None
    plan.add(FaultSpec(FaultKind.HANG))
    assert plan.on_command("/s").effect is FaultKind.HANG
    plan.clear()
    assert plan.on_command("/s").effect is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("explode", "unknown fault kind"),
        ("latency", "needs seconds"),
        ("latency:seconds=x", "must be numbers"),
        ("drop:after=-1", "must not be negative"),
        ("lie:state=maybe", "state must be one of"),
        ("hang:colour=red", "unknown fault field"),
        ("hang:oops", "expected key=value"),
    ],
)
def test_bad_faults_are_one_line_errors(text: str, message: str) -> None:
    with pytest.raises(FaultError, match=message):
        parse_fault(text)


def test_toml_shape() -> None:
    spec = fault_from_mapping({"kind": "lie", "plugs": [1, 2], "state": "off"})
    assert spec.plugs == ("1", "2") and spec.state == "off"
