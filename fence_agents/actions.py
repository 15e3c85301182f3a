"""The fence actions and the verify loop: pure logic over a Device, a Clock and an output callback.

Nothing here reads options, prints or sleeps for real: :class:`Plan` carries the decisions, a
:class:`Clock` supplies time (tests pass a simulated one), ``emit`` receives the stdout lines, and
failures are raised as :mod:`fence_agents.errors` exceptions carrying upstream's one-line messages.

The verify loop (``set_and_verify``): set every plug, wait ``power_wait``, then poll at once and again
after pauses of 1/20 of the time waited so far (at least 20 ms, at most ``stonith_status_sleep``), until
every plug reports the target state or ``power_timeout`` has passed since polling began (0 = no limit,
as upstream). A change is seen at most max(20 ms, 5% of the wait) after it happens (plus one status
round trip), where doubling pauses saw a relay that switched at 0.5 s only at 0.75 s; the polls still
thin out as the wait grows (see docs/agent-api.md, "The verify loop").
"""

from __future__ import annotations

import math

from fence_agents import log as agent_log
from fence_agents.device import Device, PowerState
from fence_agents.errors import EXIT_STATUS_OFF, EXIT_SUCCESS, NotSupported, PowerTimeout, StatusUnknown
from fence_agents.plan import Plan, SystemClock, Timing
from fence_agents.spec import Action

Plug = str | None
FIRST_PAUSE = 0.02  # the shortest pause between polls, while the wait is young (< 0.4 s)
PAUSE_FRACTION = 0.05  # then the pause is this fraction of the time waited: the overshoot is at most 5%
MIN_PAUSE = 0.01  # never hammer a device in a tight loop, even with stonith_status_sleep=0

log = agent_log.get("fence_agents")

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from fence_agents.plan import Clock

__all__ = ["Plan", "Plug", "SystemClock", "Timing", "perform", "poll_until", "run_session", "set_and_verify"]


def combined_status(device: Device, plugs: Sequence[Plug]) -> PowerState:
    """ON if any plug is on, OFF if all are off; UNKNOWN as soon as one plug is unknown."""
    states = [device.get_power(plug) for plug in plugs]
    if PowerState.UNKNOWN in states:
        return PowerState.UNKNOWN
    return PowerState.ON if PowerState.ON in states else PowerState.OFF


def all_reached(device: Device, plugs: Sequence[Plug], target: PowerState) -> bool:
    return all(device.get_power(plug) is target for plug in plugs)


def next_pause(waited: float, status_sleep: float) -> float:
    """The pause before the next poll after ``waited`` seconds of polling: 5% of the wait, at least
    20 ms, at most ``status_sleep`` (and never below 10 ms, even when status_sleep is 0)."""
    cap = max(MIN_PAUSE, status_sleep)
    return min(max(FIRST_PAUSE, waited * PAUSE_FRACTION), cap)


def poll_until(
    device: Device, plugs: Sequence[Plug], target: PowerState, timing: Timing, clock: Clock
) -> bool:
    """Poll at once, then after pauses of :func:`next_pause`, until reached or timed out."""
    start = clock.monotonic()
    deadline = start + timing.power_timeout if timing.power_timeout > 0 else math.inf
    while True:
        if all_reached(device, plugs, target):
            return True
        now = clock.monotonic()
        remaining = deadline - now
        if remaining <= 0:
            return False
        clock.sleep(min(next_pause(now - start, timing.status_sleep), remaining))


def set_and_verify(
    device: Device, plugs: Sequence[Plug], target: PowerState, attempts: int, timing: Timing, clock: Clock
) -> bool:
    """Set every plug, wait power_wait after each, verify; repeat up to ``attempts`` times."""
    for attempt in range(1, max(1, attempts) + 1):
        if attempt > 1:
            log.warning("Retrying power %s (attempt %d of %d)", target.name, attempt, attempts)
        for plug in plugs:
            device.set_power(plug, target)
            if timing.power_wait > 0:
                clock.sleep(timing.power_wait)
        if poll_until(device, plugs, target, timing, clock):
            return True
    return False


def _power(device: Device, plan: Plan, target: PowerState, attempts: int, clock: Clock) -> None:
    if not set_and_verify(device, plan.plugs, target, attempts, plan.timing, clock):
        raise PowerTimeout(f"Failed: Timed out waiting to power {target.name}")


def _reboot(device: Device, plan: Plan, status: PowerState, clock: Clock, emit: Callable[[str], None]) -> int:
    if plan.method == "cycle":
        if status is PowerState.OFF:
            # a cycle of a machine that is off fails confusingly on many BMCs: just power it on
            log.info("Machine is already off: powering on instead of cycling")
            _reboot_on_half(device, plan, clock)
            emit("Success: Rebooted")
            return EXIT_SUCCESS
        try:
            for plug in plan.plugs:
                device.cycle(plug)
                if plan.timing.power_wait > 0:
                    clock.sleep(plan.timing.power_wait)
        except NotSupported:
            log.warning("Device has no power cycle command: using method onoff")
        else:
            emit("Success: Rebooted")
            return EXIT_SUCCESS
    if status is not PowerState.OFF:
        _power(device, plan, PowerState.OFF, 1, clock)
    _reboot_on_half(device, plan, clock)
    emit("Success: Rebooted")
    return EXIT_SUCCESS


def _reboot_on_half(device: Device, plan: Plan, clock: Clock) -> None:
    """The machine is verified off: fencing has succeeded whatever happens next, so failures only warn."""
    try:
        if not set_and_verify(device, plan.plugs, PowerState.ON, max(1, plan.retry_on), plan.timing, clock):
            log.error("Timed out waiting to power ON")
    except Exception as err:  # the node is fenced; a dead session while powering on must not undo that
        log.error("Powering on after reboot failed: %s", err)


def _list(device: Device, plan: Plan, emit: Callable[[str], None]) -> int:
    sep = plan.separator
    if plan.action == Action.LIST:
        for plug, alias in device.list_plugs().items():
            emit(f"{plug}{sep}{alias}")
    else:
        for plug, (alias, state) in device.list_status().items():
            word = state.name if state in (PowerState.ON, PowerState.OFF) else "UNKNOWN"
            emit(f"{plug}{sep}{alias}{sep}{word}")
    return EXIT_SUCCESS


def _monitor(device: Device, plan: Plan) -> int:
    if plan.has_plugs:
        try:
            device.list_plugs()
        except NotSupported:
            pass  # a device that cannot list is reachable: login succeeded
        return EXIT_SUCCESS
    if combined_status(device, plan.plugs) is PowerState.UNKNOWN:
        raise StatusUnknown()
    return EXIT_SUCCESS


def perform(plan: Plan, device: Device, clock: Clock, emit: Callable[[str], None]) -> int:
    """Run one action on a logged-in device; return the exit code (raise FenceError on failure)."""
    if plan.action in (Action.LIST, Action.LIST_STATUS):
        return _list(device, plan, emit)
    if plan.action == Action.MONITOR:
        return _monitor(device, plan)
    status = combined_status(device, plan.plugs)
    if status is PowerState.UNKNOWN:
        raise StatusUnknown()
    if plan.action == Action.STATUS:
        emit(f"Status: {status.name}")
        return EXIT_STATUS_OFF if status is PowerState.OFF else EXIT_SUCCESS
    if plan.action in (Action.ON, Action.OFF):
        target = PowerState.ON if plan.action == Action.ON else PowerState.OFF
        if status is target:
            emit(f"Success: Already {target.name}")
            return EXIT_SUCCESS
        attempts = 1 + plan.retry_on if target is PowerState.ON else 1
        _power(device, plan, target, attempts, clock)
        emit(f"Success: Powered {target.name}")
        return EXIT_SUCCESS
    if plan.action == Action.REBOOT:
        return _reboot(device, plan, status, clock, emit)
    if plan.action == Action.DIAG:
        for plug in plan.plugs:
            device.diag(plug)
        emit("Success: Diagnostic pulse sent")
        return EXIT_SUCCESS
    raise NotSupported(plan.action)


def run_session(plan: Plan, connect: Callable[[], Device], clock: Clock, emit: Callable[[str], None]) -> int:
    """Delay (off/reboot only, before connecting), log in, perform, always log out."""
    if plan.action in Action.DELAYED and plan.timing.delay > 0:
        log.info("Delay %s second(s) before logging in to the fence device", f"{plan.timing.delay:g}")
        clock.sleep(plan.timing.delay)
    device = connect()
    device.login()
    try:
        return perform(plan, device, clock, emit)
    finally:
        try:
            device.logout()
        except Exception as err:  # leaving is a courtesy; the action's result stands
            log.debug("Logout failed: %s", err)
