"""Running a fence agent as its own process the way fenced does, for tests and labs.

Every run has a deadline; the result says what the agent printed and how long it took. Passwords reach the
agent through stdin or ``--password-script`` (see :func:`password_script`), never through argv.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.tools import our_tool, run


@dataclass
class AgentResult:
    rc: int
    out: str
    err: str
    seconds: float

    @property
    def error_lines(self) -> list[str]:
        """stderr lines, less the warnings fenced's extra keys (agent=, nodename=) cause."""
        return [line for line in self.err.splitlines() if line.strip() and "Parse error" not in line]


def run_agent(
    tool: str,
    argv: Sequence[str] = (),
    stdin: str | None = None,
    timeout: float = 60.0,
    secrets: Iterable[str] = (),
) -> AgentResult:
    """Run one of our agents to completion (argv, or stdin when argv is empty). Fails (AssertionError) on a
    hang, a traceback, or any of ``secrets`` appearing in its output."""
    start = time.monotonic()
    try:
        done = run([our_tool(tool), *argv], stdin=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{tool} hung for {timeout}s: {list(argv)}") from None
    result = AgentResult(done.returncode, done.stdout, done.stderr, time.monotonic() - start)
    assert "Traceback" not in result.err, result.err
    for secret in secrets:
        assert secret not in result.out + result.err, f"{tool} showed a password"
    return result


@functools.cache
def password_script(password: str) -> str:
    """Path of a private script that prints ``password``: pass it as ``-S`` to keep it out of every argv."""
    folder = tempfile.mkdtemp(prefix="fencelab-pw-")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "password")
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\ncat <<'EOF'\n" + password + "\nEOF\n")
    os.chmod(path, 0o700)
    return path
