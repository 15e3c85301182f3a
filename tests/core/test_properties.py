"""Property tests: no argv or stdin makes the parser or main raise or print a traceback; the verify loop
reports exactly what happened within exactly the time it was given."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.dummy_agent import FakeClock, MemoryDevice, memory_spec
from fence_agents.actions import Plan, Timing, perform
from fence_agents.device import PowerState
from fence_agents.errors import PowerTimeout
from fence_agents.main import run
from fence_agents.options import agent_options
from fence_agents.parse import ParseError, parse_argv, parse_stdin

SPEC = memory_spec(MemoryDevice(clock=FakeClock()), required=("passwd",))
TABLE = agent_options(SPEC)
DOCUMENTED_EXIT_CODES = {0, 1, 2}

flags = [f"-{o.short}" for o in TABLE.values() if o.short] + [f"--{o.long}" for o in TABLE.values() if o.long]
words = [
    "1",
    "0",
    "on",
    "off",
    "status",
    "reboot",
    "list",
    "monitor",
    "metadata",
    "validate-all",
    "x",
    "",
    "-",
    "--",
    "a=b",
    "1,2",
    "-vvv",
    "-xq",
    "nan",
    "-5",
    "1e9",
    "2.5",
    "'\"",
    "\n",
    "é",
]
argv_token = st.one_of(st.sampled_from(flags), st.sampled_from(words), st.text(max_size=12))
argv_lists = st.lists(argv_token, min_size=1, max_size=10)

stdin_keys = sorted({k for o in TABLE.values() for k in (o.key, o.long or o.key)}) + [
    "nodename",
    "agent",
    "bogus",
]
stdin_line = st.one_of(
    st.tuples(st.sampled_from(stdin_keys), st.sampled_from(words + ["true", "no", '"q"'])).map("=".join),
    st.text(max_size=30),
)
stdin_texts = st.lists(stdin_line, max_size=12).map("\n".join)


def memory_debug_file(path: str) -> io.StringIO:
    """Stands in for the debug file so random `-D path` input never writes to the real file system."""
    return io.StringIO()


@contextmanager
def sandboxed() -> Iterator[None]:
    # random input must not write files or run shell commands: swap the two outside effects
    with (
        mock.patch("fence_agents.logsetup.open_debug_file", memory_debug_file),
        mock.patch("fence_agents.password_script.run_password_script", lambda cmd, timeout=30.0: "pw"),
    ):
        yield


def run_once(argv: list[str], stdin: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    device = MemoryDevice(clock=FakeClock())
    spec = memory_spec(device, required=("passwd",))
    code = run(
        spec, argv, io.StringIO(stdin), prog="fence_memory", stdout=out, stderr=err, clock=device.clock
    )
    return code, out.getvalue() + err.getvalue()


@settings(max_examples=300, deadline=None)
@given(argv_lists)
def test_random_argv_never_raises_from_parser(argv: list[str]) -> None:
    try:
        parse_argv(argv, TABLE)
    except ParseError as err:
        assert str(err).startswith("Parse error: ")


@settings(max_examples=300, deadline=None)
@given(stdin_texts)
def test_random_stdin_never_raises_from_parser(text: str) -> None:
    parsed = parse_stdin(text, TABLE)
    assert set(parsed.values) <= set(TABLE)


@settings(max_examples=200, deadline=None)
@given(argv_lists)
def test_random_argv_through_main(argv: list[str]) -> None:
    with sandboxed():
        code, output = run_once(argv, "")
    assert code in DOCUMENTED_EXIT_CODES
    assert "Traceback" not in output


@settings(max_examples=200, deadline=None)
@given(stdin_texts)
def test_random_stdin_through_main(text: str) -> None:
    with sandboxed():
        code, output = run_once([], text)
    assert code in DOCUMENTED_EXIT_CODES
    assert "Traceback" not in output


# --- the verify loop under random devices and timings (simulated time) -----------------------------


timings = st.builds(
    Timing,
    power_wait=st.sampled_from([0.0, 0.5, 2.0]),
    power_timeout=st.floats(min_value=0.1, max_value=30),
    status_sleep=st.sampled_from([0.0, 0.2, 1.0, 5.0]),
)


@settings(max_examples=300, deadline=None)
@given(
    timing=timings,
    switch_delays=st.lists(
        st.one_of(st.none(), st.floats(min_value=0, max_value=40)), min_size=1, max_size=3
    ),
    action=st.sampled_from(["on", "off"]),
    retry_on=st.integers(min_value=0, max_value=2),
)
def test_verify_loop_reports_exactly_what_happened(
    timing: Timing, switch_delays: list[float | None], action: str, retry_on: int
) -> None:
    start = PowerState.OFF if action == "on" else PowerState.ON
    target = PowerState.ON if action == "on" else PowerState.OFF
    plugs = {str(i): start for i in range(len(switch_delays))}
    stuck = {str(i) for i, d in enumerate(switch_delays) if d is None}
    slowest = max((d for d in switch_delays if d is not None), default=0.0)
    device = MemoryDevice(clock=FakeClock(), plugs=plugs, stuck=stuck, switch_delay=slowest)
    out: list[str] = []
    plan = Plan(action, tuple(plugs), retry_on=retry_on, timing=timing)
    attempts = 1 + retry_on if action == "on" else 1
    budget = attempts * (timing.power_wait * len(plugs) + timing.power_timeout)
    try:
        perform(plan, device, device.clock, out.append)
    except PowerTimeout:
        assert out == []
        assert any(device.plugs[p] is not target for p in plugs)  # a failure is real
        assert device.clock.now == pytest.approx(budget)  # and it used exactly the time it was given
    else:
        assert out == [f"Success: Powered {target.name}"]
        assert all(state is target for state in device.plugs.values())  # a success is real
        assert device.clock.now <= budget + 1e-9
    assert all(s >= 0 for s in device.clock.sleeps)
