"""Running fence_nps as a process against an emulated NPS, the way fenced does (shared by the nps tests).

No tests here: helpers only. Every run has a deadline; stderr is checked for the one-line promise.
Passwords reach fence_nps on stdin or through ``--password-script`` (a file printing it), never in argv.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from harness.pytest_plugin import Emulator
from harness.tools import our_tool, run

TRANSPORTS = ("telnet", "ssh", "serial")
RUN_DEADLINE = 60.0


@dataclass
class Result:
    rc: int
    out: str
    err: str
    seconds: float

    @property
    def errors(self) -> list[str]:
        """stderr lines, less the warnings fenced's extra keys cause."""
        return [line for line in self.err.splitlines() if line.strip() and "Parse error" not in line]


def transport_args(device: Emulator, transport: str) -> list[str]:
    if transport == "telnet":
        return ["-a", device.host, "-u", str(device.port("telnet"))]
    if transport == "ssh":
        return [
            "-a",
            device.host,
            "-u",
            str(device.port("ssh")),
            "-x",
            "--ssh-options",
            "-o StrictHostKeyChecking=no",
        ]
    assert device.serial, "emulator started without a serial line"
    return ["--serial-port", device.serial]  # no address: the serial line replaces it


def transport_stdin(device: Emulator, transport: str) -> str:
    if transport == "telnet":
        return f"ipaddr={device.host}\nipport={device.port('telnet')}\n"
    if transport == "ssh":
        return f"ipaddr={device.host}\nipport={device.port('ssh')}\nsecure=1\n"
    return f"serial_port={device.serial}\nserial_speed=19200\n"


def fence_nps(argv: Sequence[str] = (), stdin: str | None = None, timeout: float = RUN_DEADLINE) -> Result:
    """Run our fence_nps to completion (argv, or stdin when argv is empty)."""
    start = time.monotonic()
    try:
        done = run([our_tool("fence_nps"), *argv], stdin=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"fence_nps hung for {timeout}s: {list(argv)}") from None
    result = Result(done.returncode, done.stdout, done.stderr, time.monotonic() - start)
    assert "Traceback" not in result.err, result.err
    return result


@functools.cache
def password_script(password: str) -> str:
    """Path of a script that prints ``password`` (kept out of every process's argv)."""
    folder = tempfile.mkdtemp(prefix="fence-nps-test-")
    atexit.register(shutil.rmtree, folder, True)
    path = os.path.join(folder, "password")
    with open(path, "w") as fh:
        fh.write("#!/bin/sh\ncat <<'EOF'\n" + password + "\nEOF\n")
    os.chmod(path, 0o700)
    return path


def by_argv(device: Emulator, transport: str, *args: str, password: str = "redhat123") -> Result:
    return fence_nps([*transport_args(device, transport), "-S", password_script(password), *args])


def plug_states(device: Emulator, transport: str = "telnet") -> dict[str, str]:
    """What the device says now, read with our own list-status (plug -> ON/OFF)."""
    result = by_argv(device, transport, "-o", "list-status")
    assert result.rc == 0, result.err
    return {line.split(",")[0]: line.split(",")[2] for line in result.out.splitlines()}
