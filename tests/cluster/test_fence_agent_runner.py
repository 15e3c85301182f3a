"""The agent caller against small real scripts: stdin order, exit codes, hangs, missing agents, redaction."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from cluster.daemon.fence_agent import AgentOutcome, resolve_agent, run_agent
from harness.pytest_plugin import Emulator
from harness.tools import pid_running

PAIRS = (("port", "1"), ("nodename", "node1"), ("agent", "fake"), ("passwd", "s3cret"))


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def call(agent: str, timeout: float = 10.0, search: tuple[str, ...] = ()) -> AgentOutcome:
    return asyncio.run(run_agent(agent, PAIRS, timeout, search))


def test_no_arguments_stdin_lines_and_exit_zero(tmp_path: Path) -> None:
    agent = script(tmp_path, "ok", 'echo "argc=$#"; cat; echo "login with s3cret" >&2; exit 0\n')
    outcome = call(agent)
    assert outcome.ok and outcome.result == "success" and outcome.returncode == 0
    assert outcome.stdout == "argc=0\nport=1\nnodename=node1\nagent=fake\npasswd=***\n"
    assert outcome.stderr == "login with ***\n"


def test_exit_one_is_an_error(tmp_path: Path) -> None:
    outcome = call(script(tmp_path, "fail", "echo 'Failed: plug status' >&2; exit 1\n"))
    assert not outcome.ok and outcome.result == "error" and outcome.returncode == 1
    assert outcome.detail == "exit 1" and "plug status" in outcome.stderr


def test_hanging_agent_is_killed_with_its_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    agent = script(tmp_path, "hang", f"sleep 60 & echo $! > {pidfile}; echo started; wait\n")
    started = time.monotonic()
    outcome = call(agent, timeout=0.5)
    assert time.monotonic() - started < 5
    assert outcome.result == "timeout" and not outcome.ok and outcome.detail == "killed after 0.5s"
    assert outcome.stdout == "started\n"
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pid_running(child):
        time.sleep(0.01)  # polling a state with a deadline: the orphan is reaped by init
    assert not pid_running(child)


def test_missing_agent(tmp_path: Path) -> None:
    outcome = call("fence_does_not_exist", search=(str(tmp_path),))
    assert outcome.result == "missing" and outcome.detail == "agent fence_does_not_exist not found"
    assert call(str(tmp_path / "nope")).result == "missing"


def test_agent_found_by_name_in_search_path(tmp_path: Path) -> None:
    script(tmp_path, "fence_lab_ok", "exit 0\n")
    assert resolve_agent("fence_lab_ok", [str(tmp_path)]) == str(tmp_path / "fence_lab_ok")
    assert call("fence_lab_ok", search=(str(tmp_path),)).ok


def test_agent_exiting_without_reading_stdin(tmp_path: Path) -> None:
    outcome = call(script(tmp_path, "quick", "exit 0\n"))
    assert outcome.ok


def test_agent_environment_has_no_secrets(tmp_path: Path) -> None:
    outcome = call(script(tmp_path, "env", "env\n"))
    assert "s3cret" not in outcome.stdout and os.environ.get("LANG") != "s3cret"


def nps_pairs(nps: Emulator, password: str, **extra: str) -> tuple[tuple[str, str], ...]:
    device = (("port", "2"), *extra.items())
    fencedevice = (("agent", "fence_nps"), ("ipaddr", nps.host), ("ipport", str(nps.port("telnet"))))
    return (*device, ("nodename", "node2"), *fencedevice, ("passwd", password))


def test_real_fence_nps_against_the_emulator(nps: Emulator) -> None:
    outcome = asyncio.run(run_agent("fence_nps", nps_pairs(nps, "redhat123"), 30.0))
    assert outcome.ok and outcome.returncode == 0, outcome.stderr
    assert "Success: Rebooted" in outcome.stdout
    outcome = asyncio.run(run_agent("fence_nps", nps_pairs(nps, "redhat123", action="status"), 30.0))
    assert outcome.ok and "Status: ON" in outcome.stdout


def test_real_fence_nps_wrong_password_is_an_error_and_never_logged(nps: Emulator) -> None:
    outcome = asyncio.run(run_agent("fence_nps", nps_pairs(nps, "not-the-password"), 30.0))
    assert outcome.result == "error" and outcome.returncode == 1
    assert "not-the-password" not in outcome.stdout + outcome.stderr
