"""The shared process helper: output cap, deadline, and children that die with the daemon."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from cluster.procrun import OUTPUT_LIMIT, run_process
from harness.lab import wait_for
from harness.tools import pid_running


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "prog"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def test_output_is_capped_and_the_rest_drained(tmp_path: Path) -> None:
    prog = script(tmp_path, "head -c 300000 /dev/zero | tr '\\0' x; echo s3cret >&2\n")
    done = asyncio.run(run_process(prog, b"", 10.0, secrets=["s3cret"]))
    assert done.ok and len(done.stdout) == OUTPUT_LIMIT and done.stderr == "***\n"


def test_a_program_dies_with_the_daemon_that_ran_it(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    prog = script(tmp_path, f"echo $$ > {pidfile}; exec sleep 60\n")
    daemon = (
        "import asyncio, sys\nfrom cluster.procrun import run_process\n"
        f"asyncio.run(run_process({prog!r}, b'', 120.0))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", daemon], start_new_session=True)
    try:
        child = int(wait_for("the child's pid", lambda: pidfile.exists() and pidfile.read_text().strip(), 10))
        assert pid_running(child)
        os.kill(parent.pid, signal.SIGKILL)  # the daemon's power is cut: no cleanup code runs
        parent.wait(10)
        wait_for("the child to die with its parent", lambda: not pid_running(child), 5)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(5)
        if pidfile.exists() and pid_running(child := int(pidfile.read_text())):
            os.kill(child, signal.SIGKILL)  # the test failed: leave nothing behind
