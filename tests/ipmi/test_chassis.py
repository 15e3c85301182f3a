"""The pure chassis model: power-on delay, refusals while off, stuck relay, reset and NMI, events."""

from __future__ import annotations

from emulators.bmc.chassis import (
    CC_INVALID_DATA,
    CC_NOT_IN_PRESENT_STATE,
    CC_OK,
    Chassis,
    ChassisTiming,
    Control,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_off_and_on_are_immediate_without_delay() -> None:
    clock = FakeClock()
    chassis = Chassis(clock)
    assert chassis.control(Control.POWER_OFF) == CC_OK
    assert not chassis.is_on()
    assert chassis.control(Control.POWER_ON) == CC_OK
    assert chassis.is_on()
    assert [(e.on, e.at) for e in chassis.take_events()] == [(False, 100.0), (True, 100.0)]


def test_power_on_delay_reports_off_until_due() -> None:
    clock = FakeClock()
    chassis = Chassis(clock, ChassisTiming(power_on_delay=3.0), powered=False)
    assert chassis.control(Control.POWER_ON) == CC_OK
    assert chassis.due_in() == 3.0
    clock.now += 2.9
    assert not chassis.is_on()
    clock.now += 0.2
    assert chassis.is_on()
    assert chassis.due_in() is None
    assert [e.on for e in chassis.take_events()] == [True]


def test_off_cancels_a_pending_power_on() -> None:
    clock = FakeClock()
    chassis = Chassis(clock, ChassisTiming(power_on_delay=3.0), powered=False)
    chassis.control(Control.POWER_ON)
    chassis.control(Control.POWER_OFF)
    clock.now += 10
    assert not chassis.is_on()
    assert chassis.take_events() == []


def test_cycle_reset_diag_soft_refused_while_off() -> None:
    chassis = Chassis(FakeClock(), powered=False)
    for op in (Control.POWER_CYCLE, Control.HARD_RESET, Control.PULSE_DIAG, Control.SOFT_OFF):
        assert chassis.control(op) == CC_NOT_IN_PRESENT_STATE
    assert chassis.counters.resets == chassis.counters.nmis == 0


def test_cycle_goes_off_then_on_after_off_time_and_delay() -> None:
    clock = FakeClock()
    chassis = Chassis(clock, ChassisTiming(power_on_delay=1.0, cycle_off_time=2.0))
    assert chassis.control(Control.POWER_CYCLE) == CC_OK
    assert not chassis.is_on()
    clock.now += 2.5
    assert not chassis.is_on()
    clock.now += 0.5
    assert chassis.is_on()
    assert [e.on for e in chassis.take_events()] == [False, True]


def test_reset_restarts_the_wired_machine_and_counts() -> None:
    chassis = Chassis(FakeClock())
    assert chassis.control(Control.HARD_RESET) == CC_OK
    assert chassis.is_on()
    assert chassis.counters.resets == 1
    assert [e.on for e in chassis.take_events()] == [False, True]


def test_diag_counts_an_nmi_without_power_change() -> None:
    chassis = Chassis(FakeClock())
    assert chassis.control(Control.PULSE_DIAG) == CC_OK
    assert chassis.counters.nmis == 1
    assert chassis.take_events() == []


def test_soft_off_takes_the_os_shutdown_time() -> None:
    clock = FakeClock()
    chassis = Chassis(clock, ChassisTiming(soft_off_delay=5.0))
    chassis.control(Control.SOFT_OFF)
    assert chassis.is_on()
    clock.now += 5.0
    assert not chassis.is_on()


def test_stuck_relay_says_yes_and_does_nothing() -> None:
    chassis = Chassis(FakeClock(), stuck=True)
    assert chassis.control(Control.POWER_OFF) == CC_OK
    assert chassis.is_on()


def test_unknown_control_byte_is_invalid_data() -> None:
    assert Chassis(FakeClock()).control(9) == CC_INVALID_DATA
