"""Secrets never appear, and masking never garbles our own messages (agents as processes, emulators).

The vendor defaults people try (``admin``, ``password``, ``user``, ``wrong``, ``a``, a password that is part
of the user name) are words our messages contain. Each run with such a password is compared with the same
run using a password that occurs nowhere else: the same lines, the same masks (``***`` only where the
device dialogue carries the secret), and the unique password itself never shown. At ``-vvv`` with a debug
file, so the device dialogue and the libraries' logs are in the comparison too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.emulator_process import Emulator, start_emulator
from harness.tools import our_tool, run

VENDOR_DEFAULTS = ["admin", "password", "user", "wrong", "a"]
UNIQUE = "Zq7-unique-Pw-41"  # occurs in no message, no prompt, no file name
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


def agent_run(agent: str, lines: dict[str, str], debug: Path) -> tuple[int, str, str]:
    """One run as fenced makes it (stdin), at verbose level 3 with a debug file; the text it left."""
    debug.unlink(missing_ok=True)
    stdin = "".join(
        f"{k}={v}\n" for k, v in {**lines, "verbose_level": "3", "debug_file": str(debug)}.items()
    )
    done = run([our_tool(agent)], stdin=stdin, timeout=60)
    logged = TIMESTAMP.sub("", done.stderr + "\n--- debug file ---\n" + debug.read_text())
    return done.returncode, done.stdout, logged


def assert_same_except_secret(run_with: Callable[[str], tuple[int, str, str]], password: str) -> str:
    """The run with ``password`` says what the run with a unique password says; returns its log."""
    rc, out, text = run_with(password)
    ref_rc, ref_out, ref_text = run_with(UNIQUE)
    assert UNIQUE not in ref_text and UNIQUE not in ref_out  # the reference run shows no secret
    assert (rc, out) == (ref_rc, ref_out)
    assert len(text.splitlines()) == len(ref_text.splitlines()), text
    assert text.count("***") == ref_text.count("***"), text  # no word of ours masked
    return text


@pytest.fixture
def nps_with(tmp_path: Path) -> Iterator[Callable[[dict[str, object]], Emulator]]:
    """Starts NPS emulators with the given settings (each test its password); stops them all at the end."""
    started: list[Emulator] = []

    def start(config: dict[str, object]) -> Emulator:
        device = start_emulator("nps", {"relay_delay": 0, "boot_delay": 0, "ssh_port": False, **config})
        started.append(device)
        return device

    yield start
    for device in started:
        device.stop()


@pytest.mark.parametrize("password", VENDOR_DEFAULTS)
def test_nps_status_with_a_vendor_default_password(
    password: str, nps_with: Callable[[dict[str, object]], Emulator], tmp_path: Path
) -> None:
    def status(pw: str) -> tuple[int, str, str]:
        device = nps_with({"password": pw})
        lines = {"ipaddr": "127.0.0.1", "ipport": str(device.port("telnet")), "passwd": pw, "port": "1"}
        return agent_run("fence_nps", {**lines, "action": "status"}, tmp_path / "debug.log")

    text = assert_same_except_secret(status, password)
    assert "Status: ON" not in text and "Ignoring" not in text


@pytest.mark.parametrize("password", ["oper", "rator", "wrong"])
def test_nps_wrong_password_for_a_user_whose_name_holds_it(
    password: str, nps_with: Callable[[dict[str, object]], Emulator], tmp_path: Path
) -> None:
    device = nps_with({"users": {"operator": "the-real-Secret-9"}})

    def refused(pw: str) -> tuple[int, str, str]:
        lines = {"ipaddr": "127.0.0.1", "ipport": str(device.port("telnet")), "login": "operator"}
        return agent_run(
            "fence_nps", {**lines, "passwd": pw, "port": "1", "action": "status"}, tmp_path / "d"
        )

    text = assert_same_except_secret(refused, password)
    assert "ERROR: Unable to connect/login to fencing device\n" in text
    assert "operator" in text  # the user name is shown as it is, never as ***ator


@pytest.fixture(scope="module")
def bmc() -> Iterator[Emulator]:
    """A BMC emulator whose only user admin has a password no test tries."""
    device = start_emulator("bmc", {"users": {"admin": {"password": "the-real-Secret-9"}}})
    try:
        yield device
    finally:
        device.stop()


@pytest.mark.parametrize("password", [*VENDOR_DEFAULTS, "adm"])
def test_ipmi_wrong_password_message_stays_intact(password: str, bmc: Emulator, tmp_path: Path) -> None:
    def refused(pw: str) -> tuple[int, str, str]:
        lines = {"ipaddr": bmc.host, "ipport": str(bmc.port("bmc1")), "login": "admin", "passwd": pw}
        return agent_run("fence_ipmilan", {**lines, "action": "status", "login_timeout": "3"}, tmp_path / "d")

    text = assert_same_except_secret(refused, password)
    wanted = "ERROR: Unable to connect/login to fencing device: wrong password for user 'admin'\n"
    assert text.count(wanted) == 2, text  # on stderr and in the debug file, word for word


def test_sans_default_credentials_admin_password(tmp_path: Path) -> None:
    """The SAN switch ships with admin/password: fence_brocade's whole dialogue stays readable."""
    with_state = {"state_dir": str(tmp_path), "relay_delay": 0.0, "ssh_port": False, "pdu_port": False}
    san = start_emulator("san", with_state, timeout=20.0)
    try:
        assert (san.info["credentials"]["username"], san.info["credentials"]["password"]) == (
            "admin",
            "password",
        )
        lines = {"ipaddr": "127.0.0.1", "ipport": str(san.port("telnet")), "login": "admin", "port": "1"}
        rc, out, text = agent_run(
            "fence_brocade", {**lines, "passwd": "password", "action": "status"}, tmp_path / "d"
        )
    finally:
        san.stop()
    assert (rc, out) == (0, "Status: ON\n"), text
    assert "***" not in text.replace("send: ***", "")  # only the password we typed is masked
    assert "password" in text.lower()  # "Password:" prompts and our words stay as they are
