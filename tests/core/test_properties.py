"""Property tests: no argv list and no stdin text makes the parser or main raise or print a traceback."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from core.dummy_agent import FakeClock, MemoryDevice, memory_spec
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


class MemoryFileHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Stands in for the debug file so random `-D path` input never writes to the real file system."""

    def __init__(self, filename: str, encoding: str | None = None) -> None:
        super().__init__(io.StringIO())


@contextmanager
def sandboxed() -> Iterator[None]:
    # random input must not write files or run shell commands: swap the two outside effects
    with (
        mock.patch("logging.FileHandler", MemoryFileHandler),
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
