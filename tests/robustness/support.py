"""Running our console scripts as processes with bad input, and judging how they fail.

The standard checked: one line that says what is wrong, the documented exit code, within a deadline,
never a traceback, never a password.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from harness.tools import our_tool

QUICK = 5.0  # a usage or configuration error needs no device: seconds, on a loaded CI machine
SLACK = 2.0  # start-up and a loaded machine, on top of a timeout the program was given
LONGEST_LINE = 300  # a clear line fits on a screen or two; a dumped 5 MB input line does not
MOST_STDERR_LINES = 14  # warnings about ignored input are allowed, but bounded
SECRET = "s3cretPW-7"  # long enough that redacting it cannot garble other words
USAGE_HINTS = ("Please use '-h' for usage",)  # agents print upstream's hint on a line of its own


@dataclass(frozen=True)
class Outcome:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:  # shown when an assertion fails
        head = f"{' '.join(self.argv)} -> {self.code} in {self.seconds:.2f}s"
        return f"{head}\nstdout: {self.out[:2000]!r}\nstderr: {self.err[:4000]!r}"


def run(
    program: str,
    *args: str,
    stdin: bytes | str = b"",
    env: Mapping[str, str] | None = None,
    deadline: float = QUICK,
    closed: int | None = None,
) -> Outcome:
    """Run one of our console scripts to completion; fail the test if it outlives ``deadline``.
    ``closed=0`` or ``1`` starts it with that descriptor closed (``program <&-``, ``program >&-``)."""
    argv: tuple[str, ...] = (our_tool(program), *args)
    if closed is not None:
        argv = ("sh", "-c", f'exec "$@" {"<" if closed == 0 else ">"}&-', "sh", *argv)
    data = stdin.encode() if isinstance(stdin, str) else stdin
    full_env = {**os.environ, "LANG": "C", "LC_ALL": "C", **(env or {})}
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv, input=data, capture_output=True, timeout=deadline, env=full_env, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{program} {' '.join(args)} did not finish within {deadline:g}s")
    seconds = time.monotonic() - started
    text = [b.decode("utf-8", "backslashreplace") for b in (done.stdout, done.stderr)]
    return Outcome((program, *args), done.returncode, text[0], text[1], seconds)


def run_with_stdout_closed(program: str, *args: str, deadline: float = QUICK) -> Outcome:
    """Run with nobody reading stdout (``program | head -c 0``): the first write meets a broken pipe."""
    proc = subprocess.Popen(
        (our_tool(program), *args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "LANG": "C", "LC_ALL": "C"},
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the only read end: every write of the child now fails with EPIPE
    started = time.monotonic()
    try:
        _, err = proc.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{program} {' '.join(args)} did not finish within {deadline:g}s with stdout closed")
    seconds = time.monotonic() - started
    return Outcome((program, *args), proc.returncode, "", err.decode("utf-8", "backslashreplace"), seconds)


def problem_lines(err: str) -> list[str]:
    """The stderr lines that report a problem: debug lines, warnings and the usage hint do not count."""
    return [
        line
        for line in err.splitlines()
        if line.strip()
        and not re.search(r" (DEBUG|INFO|WARNING): ", line)
        and not any(h in line for h in USAGE_HINTS)
    ]


def assert_clear_failure(
    outcome: Outcome, code: int, says: str | None = None, within: float = QUICK, secret: str = SECRET
) -> str:
    """Exit ``code``, one problem line (matching the regex ``says``), bounded stderr; returns that line."""
    assert_no_traceback(outcome, secret)
    assert outcome.code == code, outcome
    problems = problem_lines(outcome.err)
    assert len(problems) == 1, f"expected one error line\n{outcome}"
    if says is not None:
        assert re.search(says, problems[0]), f"{says!r} not in the error line\n{outcome}"
    assert outcome.seconds <= within, f"took {outcome.seconds:.2f}s, allowed {within:g}s\n{outcome}"
    return problems[0]


def assert_no_traceback(outcome: Outcome, secret: str = SECRET) -> None:
    for text in (outcome.out, outcome.err):
        assert "Traceback" not in text, outcome
        assert "Exception ignored" not in text, outcome
        assert secret not in text, f"the password was printed\n{outcome}"
    lines = outcome.err.splitlines()
    assert len(lines) <= MOST_STDERR_LINES, f"{len(lines)} lines on stderr\n{outcome}"
    for line in lines:
        assert len(line) <= LONGEST_LINE, f"a {len(line)} character line on stderr\n{outcome}"
        assert all(c.isprintable() or c == "\t" for c in line), f"control characters on stderr\n{outcome}"


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fake_device(behaviour: str) -> Iterator[int]:
    """A TCP 'device' on 127.0.0.1: ``hang`` (accepts, never speaks), ``drop`` (hangs up at once) or
    ``garbage`` (binary noise, then hangs up). Yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:  # accept timed out (check stop again) or the socket was closed
                continue
            if behaviour == "hang":
                held.append(conn)
                continue
            if behaviour == "garbage":
                try:
                    conn.sendall(b"\xff\xfb\x01\x00\x1b[2J\xfe\xfe noise \r\n" * 40)
                except OSError:
                    pass
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
        for conn in held:
            conn.close()


def write(path: os.PathLike[str] | str, data: bytes | str) -> str:
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as fh:
        fh.write(data)
    return str(path)
