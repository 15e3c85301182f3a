"""The framework as a real process, fed by argv and stdin the way fenced and Pacemaker call agents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AGENT = Path(__file__).with_name("dummy_agent.py")
TESTS_DIR = AGENT.parent.parent
PASSWORD = "Pw-9f3c1e77-zq"


def run_agent(
    args: list[str], stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.dummy_agent", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(TESTS_DIR), **(env or {})},
        check=False,
    )


@pytest.fixture()
def state(tmp_path: Path) -> Path:
    """The dummy agent's device state file: its password and three plugs (1 on, 2 off, 3 on)."""
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"password": PASSWORD, "plugs": {"1": "on", "2": "off", "3": "on"}}))
    return path


def plugs(path: Path) -> dict[str, str]:
    data: dict[str, dict[str, str]] = json.loads(path.read_text())
    return data["plugs"]


def test_stdin_like_fenced(state: Path) -> None:
    text = (
        f"agent=fence_dummylab\nipaddr=pdu\npasswd={PASSWORD}\nnodename=1\nstate_file={state}\naction=off\n"
    )
    done = run_agent([], text)
    assert (done.returncode, done.stdout) == (0, "Success: Powered OFF\n")
    assert "agent=" not in done.stderr  # fenced always sends agent=: it is no warning
    verbose = run_agent([], text.replace("action=off", "action=status") + "verbose=1\n")
    assert "DEBUG: Ignoring agent=fence_dummylab: fenced names the agent it runs" in verbose.stderr
    assert plugs(state)["1"] == "off"


def test_argv_status_exit_codes(state: Path) -> None:
    base = ["-a", "pdu", "-p", PASSWORD, "--state-file", str(state), "-o", "status"]
    on = run_agent([*base, "-n", "1"])
    off = run_agent([*base, "-n", "2"])
    assert (on.returncode, on.stdout) == (0, "Status: ON\n")
    assert (off.returncode, off.stdout) == (2, "Status: OFF\n")


def test_reboot_and_list(state: Path) -> None:
    base = ["-a", "pdu", "-p", PASSWORD, "--state-file", str(state)]
    assert run_agent([*base, "-n", "3"]).stdout == "Success: Rebooted\n"
    assert run_agent([*base, "-o", "list-status"]).stdout == "1,node1,ON\n2,node2,OFF\n3,node3,ON\n"


def test_wrong_password_and_missing_options(state: Path) -> None:
    bad = run_agent(["-a", "pdu", "-p", "nope", "-n", "1", "--state-file", str(state)])
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.endswith("ERROR: Unable to connect/login to fencing device\n")
    missing = run_agent([], "action=off\n")
    assert missing.returncode == 1
    assert "Failed: You have to enter fence address" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_metadata_via_stdin_as_pacemaker_asks(state: Path) -> None:
    done = run_agent([], "action=metadata\n")
    assert done.returncode == 0 and done.stderr == ""
    assert '<resource-agent name="fence_dummylab"' in done.stdout


def test_password_never_printed_even_at_vvv(state: Path, tmp_path: Path) -> None:
    debug = tmp_path / "debug.log"
    text = (
        f"ipaddr=pdu\npassword={PASSWORD}\nport=1\nstate_file={state}\naction=reboot\n"
        f"verbose=1\nverbose_level=3\ndebug_file={debug}\n"
    )
    done = run_agent([], text)
    assert done.returncode == 0
    assert "DEBUG: login: sending password ***" in done.stderr  # the careless log line, redacted
    assert "library noise: ***\n" in done.stderr  # a stray print to stderr, redacted
    assert PASSWORD not in done.stdout + done.stderr
    assert "sending password ***" in debug.read_text()
    assert PASSWORD not in debug.read_text()


def test_password_script_keeps_password_out_of_every_argv(state: Path, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text(PASSWORD + "\n")
    seen = tmp_path / "argv-seen"
    script = f"cat /proc/$$/cmdline /proc/$PPID/cmdline > {seen}; cat {secret_file}"
    debug = tmp_path / "debug.log"
    done = run_agent(
        ["-a", "pdu", "-S", script, "-n", "1", "--state-file", str(state), "-vvv", "-D", str(debug)]
    )
    assert (done.returncode, done.stdout) == (0, "Success: Rebooted\n")
    assert PASSWORD not in seen.read_text()  # neither the script's nor the agent's argv
    assert json.loads(state.read_text())["argv_leaks"] == []  # no process on the machine at login time
    assert PASSWORD not in done.stdout + done.stderr + debug.read_text()


def test_unexpected_error_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    done = run_agent(["-a", "pdu", "-p", PASSWORD, "-n", "1", "--state-file", str(broken)])
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "ERROR: Failed: " in done.stderr
