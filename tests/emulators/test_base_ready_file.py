"""A shell script starts a device in the background, reads its ports from --ready-file and stops it by the pid
in --pid-file: the files appear whole, name the pid, and go away when it stops within 0.3 s of SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness.emulator_process import emulate_command
from harness.waiting import wait_for

STOP_WITHIN = 0.3  # seconds from SIGTERM to exit (issue 9.12)


@pytest.mark.parametrize(
    ("kind", "args", "port"),
    [("nps", ["--ssh-port", "off"], "telnet"), ("bmc", [], "bmc1"), ("san", ["--ssh-port", "off"], "snmp")],
)
def test_ready_and_pid_files_then_quick_stop(tmp_path: Path, kind: str, args: list[str], port: str) -> None:
    ready, pidfile = tmp_path / "ready.json", tmp_path / "device.pid"
    argv = emulate_command(kind, [*args, "--ready-file", str(ready), "--pid-file", str(pidfile)])
    # as `fencelab emulate ... &` in a script: nobody reads stdout or writes stdin
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"{kind} ready file", ready.exists, timeout=20)
        info = json.loads(ready.read_text())
        assert info["device"] == kind and isinstance(info["ports"][port], int)
        assert int(pidfile.read_text()) == proc.pid == info["pid"]
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=5)
        took = time.monotonic() - began
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert took < STOP_WITHIN, f"{kind} took {took:.3f}s to stop after SIGTERM"
    assert not ready.exists() and not pidfile.exists()


def test_ready_file_in_a_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    argv = emulate_command("nps", ["--ready-file", str(tmp_path / "no" / "ready.json")])
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"fencelab emulate nps: --ready-file {tmp_path / 'no' / 'ready.json'}: no such directory"
    ]
