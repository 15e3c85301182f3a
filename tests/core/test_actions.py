"""The action logic and the verify loop, in simulated time (FakeClock): exact and instant."""

from __future__ import annotations

import itertools
import logging

import pytest

from core.dummy_agent import FakeClock, MemoryDevice
from fence_agents.actions import Plan, Timing, perform, poll_until, run_session
from fence_agents.device import PowerState
from fence_agents.errors import PlugNotFound, PowerTimeout, StatusUnknown

ON, OFF, UNKNOWN = PowerState.ON, PowerState.OFF, PowerState.UNKNOWN


def setup(**device_args: object) -> tuple[FakeClock, MemoryDevice, list[str]]:
    clock = FakeClock()
    device = MemoryDevice(clock=clock, **device_args)  # type: ignore[arg-type]
    return clock, device, []


def test_already_off() -> None:
    clock, dev, out = setup(plugs={"1": OFF})
    assert perform(Plan("off", ("1",)), dev, clock, out.append) == 0
    assert out == ["Success: Already OFF"]
    assert not [c for c in dev.calls if c[0] == "set"]


def test_already_on() -> None:
    clock, dev, out = setup(plugs={"1": ON})
    assert perform(Plan("on", ("1",)), dev, clock, out.append) == 0
    assert out == ["Success: Already ON"]


def test_off_reached_first_check_is_immediate() -> None:
    clock, dev, out = setup(plugs={"1": ON})
    assert perform(Plan("off", ("1",)), dev, clock, out.append) == 0
    assert out == ["Success: Powered OFF"]
    assert clock.now == 0  # a device that switches at once costs no waiting at all
    assert dev.calls[:3] == [("get", "1"), ("set", "1", "OFF"), ("get", "1")]


def test_off_reached_after_device_delay_with_backoff() -> None:
    clock, dev, out = setup(plugs={"1": ON}, switch_delay=0.3)
    timing = Timing(status_sleep=1.0, power_timeout=20)
    assert perform(Plan("off", ("1",), timing=timing), dev, clock, out.append) == 0
    assert out == ["Success: Powered OFF"]
    assert clock.sleeps == pytest.approx([0.02] * len(clock.sleeps))  # young wait: every 20 ms
    assert 0.3 <= clock.now <= 0.3 + 0.02 + 1e-9  # seen within 20 ms, not at 0.35 s (doubling) or 1 s


def test_backoff_capped_at_stonith_status_sleep() -> None:
    clock, dev, out = setup(plugs={"1": ON}, switch_delay=15.0)
    perform(Plan("off", ("1",), timing=Timing(status_sleep=0.5)), dev, clock, out.append)
    assert max(clock.sleeps) == pytest.approx(0.5)  # 5% of 10 s: the cap is reached
    assert clock.sleeps[:3] == pytest.approx([0.02, 0.02, 0.02])
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(clock.sleeps))  # pauses never shrink


@pytest.mark.parametrize("delay", [0.05, 0.25, 0.5, 0.51, 1.0, 1.7, 3.0, 9.9, 19.0])
def test_a_change_is_seen_within_5_percent_or_20_ms(delay: float) -> None:
    clock, dev, out = setup(plugs={"1": ON}, switch_delay=delay)
    perform(Plan("off", ("1",), timing=Timing(status_sleep=1.0, power_timeout=20)), dev, clock, out.append)
    assert out == ["Success: Powered OFF"]
    assert delay <= clock.now <= delay + max(0.02, 0.05 * delay) + 1e-9


def test_polls_thin_out_as_the_wait_grows() -> None:
    clock, dev, out = setup(plugs={"1": ON}, stuck={"1"})
    timing = Timing(status_sleep=1.0, power_timeout=20)
    with pytest.raises(PowerTimeout):
        perform(Plan("off", ("1",), timing=timing), dev, clock, out.append)
    polls = [c for c in dev.calls if c[0] == "get"]
    assert len(polls) <= 110  # over 20 s: 20 + ln(20 / 0.4) / ln(1.05) + 1; every 20 ms would be 1000
    first_second = sum(1 for t in itertools.accumulate(clock.sleeps) if t <= 1.0)
    assert first_second <= 40


def test_stuck_times_out_within_power_timeout() -> None:
    clock, dev, out = setup(plugs={"1": ON}, stuck={"1"})
    with pytest.raises(PowerTimeout) as caught:
        perform(Plan("off", ("1",), timing=Timing(power_timeout=20)), dev, clock, out.append)
    assert str(caught.value) == "Failed: Timed out waiting to power OFF"
    assert clock.now == pytest.approx(20.0)  # the last check happens exactly at the deadline
    assert out == []


def test_power_wait_before_first_check() -> None:
    clock, dev, out = setup(plugs={"1": ON})
    perform(Plan("off", ("1",), timing=Timing(power_wait=2)), dev, clock, out.append)
    assert clock.sleeps == [2]


def test_unknown_status_fails_with_upstream_message() -> None:
    clock, dev, out = setup(plugs={"1": UNKNOWN})
    with pytest.raises(StatusUnknown) as caught:
        perform(Plan("off", ("1",)), dev, clock, out.append)
    assert str(caught.value) == "Failed: Unable to obtain correct plug status or plug is not available"


def test_missing_plug_fails_with_upstream_message() -> None:
    clock, dev, out = setup(plugs={"1": ON})
    with pytest.raises(PlugNotFound) as caught:
        perform(Plan("status", ("9",)), dev, clock, out.append)
    assert str(caught.value) == "Failed: Unable to obtain correct plug status or plug is not available"


def test_status_on_and_off_exit_codes() -> None:
    clock, dev, out = setup(plugs={"1": ON, "2": OFF})
    assert perform(Plan("status", ("1",)), dev, clock, out.append) == 0
    assert perform(Plan("status", ("2",)), dev, clock, out.append) == 2
    assert out == ["Status: ON", "Status: OFF"]


def test_on_retried_retry_on_times_more() -> None:
    clock, dev, out = setup(plugs={"1": OFF}, stuck={"1"})
    timing = Timing(power_timeout=3)
    with pytest.raises(PowerTimeout, match="Timed out waiting to power ON"):
        perform(Plan("on", ("1",), retry_on=2, timing=timing), dev, clock, out.append)
    assert [c for c in dev.calls if c[0] == "set"] == [("set", "1", "ON")] * 3
    assert clock.now == pytest.approx(9.0)


def test_off_is_not_retried() -> None:
    clock, dev, out = setup(plugs={"1": ON}, stuck={"1"})
    with pytest.raises(PowerTimeout):
        perform(Plan("off", ("1",), retry_on=5, timing=Timing(power_timeout=1)), dev, clock, out.append)
    assert [c for c in dev.calls if c[0] == "set"] == [("set", "1", "OFF")]


def test_reboot_onoff_sequence() -> None:
    clock, dev, out = setup(plugs={"1": ON})
    assert perform(Plan("reboot", ("1",)), dev, clock, out.append) == 0
    assert out == ["Success: Rebooted"]
    assert [c for c in dev.calls if c[0] in ("get", "set")] == [
        ("get", "1"),
        ("set", "1", "OFF"),
        ("get", "1"),
        ("set", "1", "ON"),
        ("get", "1"),
    ]


def test_reboot_of_an_off_machine_only_powers_on() -> None:
    clock, dev, out = setup(plugs={"1": OFF})
    perform(Plan("reboot", ("1",)), dev, clock, out.append)
    assert [c for c in dev.calls if c[0] == "set"] == [("set", "1", "ON")]


def test_reboot_fails_when_off_half_times_out() -> None:
    clock, dev, out = setup(plugs={"1": ON}, stuck={"1"})
    with pytest.raises(PowerTimeout, match="power OFF"):
        perform(Plan("reboot", ("1",), timing=Timing(power_timeout=2)), dev, clock, out.append)
    assert out == []


def test_reboot_whose_on_half_fails_still_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    # decision (docs/agent-api.md): the node is verified off, so fencing succeeded; the on failure is logged
    clock, dev, out = setup(plugs={"1": ON}, fail_on_after_off=True)
    with caplog.at_level(logging.ERROR, logger="fence_agents"):
        assert perform(Plan("reboot", ("1",)), dev, clock, out.append) == 0
    assert out == ["Success: Rebooted"]
    assert "Powering on after reboot failed" in caplog.text


def test_reboot_whose_on_half_times_out_still_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    clock, dev, out = setup(plugs={"1": ON}, switch_delay=0.0)
    dev.stuck = set()
    original = dev.set_power

    def stick_after_off(plug: str | None, state: PowerState) -> None:
        if state is ON:
            dev.stuck.add(plug or "1")
        original(plug, state)

    dev.set_power = stick_after_off  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="fence_agents"):
        assert perform(Plan("reboot", ("1",), timing=Timing(power_timeout=1)), dev, clock, out.append) == 0
    assert "Timed out waiting to power ON" in caplog.text


def test_reboot_cycle_is_one_command_without_verification() -> None:
    clock, dev, out = setup(plugs={"1": ON})
    assert perform(Plan("reboot", ("1",), method="cycle"), dev, clock, out.append) == 0
    assert out == ["Success: Rebooted"]
    assert [c for c in dev.calls if c[0] in ("set", "cycle")] == [("cycle", "1")]
    assert dev.calls.count(("get", "1")) == 1  # status first only


def test_reboot_cycle_of_off_machine_powers_on_instead() -> None:
    clock, dev, out = setup(plugs={"1": OFF})
    perform(Plan("reboot", ("1",), method="cycle"), dev, clock, out.append)
    assert [c for c in dev.calls if c[0] in ("set", "cycle")] == [("set", "1", "ON")]
    assert dev.plugs["1"] is ON


def test_reboot_cycle_falls_back_to_onoff_without_cycle_command() -> None:
    clock, dev, out = setup(plugs={"1": ON}, can_cycle=False)
    perform(Plan("reboot", ("1",), method="cycle"), dev, clock, out.append)
    assert [c for c in dev.calls if c[0] == "set"] == [("set", "1", "OFF"), ("set", "1", "ON")]


def test_several_plugs_status_on_if_any_on() -> None:
    clock, dev, out = setup(plugs={"1": OFF, "2": ON})
    assert perform(Plan("status", ("1", "2")), dev, clock, out.append) == 0
    assert out == ["Status: ON"]


def test_several_plugs_off_sets_each_and_verifies_all() -> None:
    clock, dev, out = setup(plugs={"1": ON, "2": ON, "3": ON})
    perform(Plan("off", ("1", "3")), dev, clock, out.append)
    assert dev.plugs == {"1": OFF, "2": ON, "3": OFF}
    assert out == ["Success: Powered OFF"]


def test_several_plugs_one_stuck_times_out() -> None:
    clock, dev, out = setup(plugs={"1": ON, "2": ON}, stuck={"2"})
    with pytest.raises(PowerTimeout):
        perform(Plan("off", ("1", "2"), timing=Timing(power_timeout=1)), dev, clock, out.append)


def test_several_plugs_on_needs_every_plug_on() -> None:
    # stricter than upstream (which accepts "any plug on"): a half-powered set is not "Powered ON"
    clock, dev, out = setup(plugs={"1": OFF, "2": OFF}, stuck={"2"})
    with pytest.raises(PowerTimeout, match="power ON"):
        perform(Plan("on", ("1", "2"), retry_on=0, timing=Timing(power_timeout=1)), dev, clock, out.append)


def test_list_and_list_status() -> None:
    clock, dev, out = setup(plugs={"1": ON, "2": OFF, "3": UNKNOWN})
    perform(Plan("list", separator=";"), dev, clock, out.append)
    perform(Plan("list-status"), dev, clock, out.append)
    assert out == ["1;node1", "2;node2", "3;node3", "1,node1,ON", "2,node2,OFF", "3,node3,UNKNOWN"]


def test_monitor_prints_nothing() -> None:
    clock, dev, out = setup()
    assert perform(Plan("monitor"), dev, clock, out.append) == 0
    assert out == []


def test_monitor_without_plugs_reads_status() -> None:
    clock, dev, out = setup(plugs={"1": UNKNOWN})
    with pytest.raises(StatusUnknown):
        perform(Plan("monitor", has_plugs=False), dev, clock, out.append)


@pytest.mark.parametrize(
    "action, delayed", [("off", True), ("reboot", True), ("on", False), ("status", False)]
)
def test_delay_only_before_off_and_reboot(action: str, delayed: bool) -> None:
    clock, dev, out = setup(plugs={"1": ON})
    run_session(Plan(action, ("1",), timing=Timing(delay=10)), lambda: dev, clock, out.append)
    login_at = float(next(c for c in dev.calls if c[0] == "login")[1])
    assert login_at == (10.0 if delayed else 0.0)
    assert dev.calls[-1] == ("logout",)


def test_logout_even_after_failure() -> None:
    clock, dev, out = setup(plugs={"1": UNKNOWN})
    with pytest.raises(StatusUnknown):
        run_session(Plan("off", ("1",)), lambda: dev, clock, out.append)
    assert dev.calls[-1] == ("logout",)


def test_zero_power_timeout_polls_until_reached() -> None:
    clock, dev, out = setup(plugs={"1": ON}, switch_delay=100)
    assert poll_until_after_set(dev, clock, Timing(power_timeout=0, status_sleep=1))
    assert clock.now == pytest.approx(100, abs=1)


def poll_until_after_set(dev: MemoryDevice, clock: FakeClock, timing: Timing) -> bool:
    dev.set_power("1", OFF)
    return poll_until(dev, ("1",), OFF, timing, clock)


def test_zero_status_sleep_never_spins() -> None:
    clock, dev, out = setup(plugs={"1": ON}, stuck={"1"})
    with pytest.raises(PowerTimeout):
        perform(Plan("off", ("1",), timing=Timing(power_timeout=1, status_sleep=0)), dev, clock, out.append)
    assert min(clock.sleeps) > 0
    assert len(clock.sleeps) <= 101
