"""Every way fencing through a BMC fails gives one clear line, in bounded time (agent as a process)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from harness.pytest_plugin import Emulator

from .support import bmc_config, by_argv, run_agent, target_args


@pytest.fixture
def bmc(emulator: Callable[..., Emulator]) -> Emulator:
    """A running BMC emulator with the test users (support.bmc_config)."""
    return emulator("bmc", config=bmc_config())


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A UDP port on 127.0.0.1 where nothing ever answers (bound, so nobody else takes it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_wrong_password_fails_at_once(bmc: Emulator) -> None:
    argv = [
        "-a",
        bmc.host,
        "-u",
        str(bmc.port("bmc1")),
        "-l",
        "admin",
        "-S",
        "echo not-the-password",
        "-o",
        "status",
    ]
    result = run_agent(argv)
    assert result.rc == 1
    assert result.error_lines[-1].endswith(
        "Unable to connect/login to fencing device: wrong password for user 'admin'"
    )
    assert result.seconds < 2.0


def test_unknown_user_fails_at_once(bmc: Emulator) -> None:
    argv = ["-a", bmc.host, "-u", str(bmc.port("bmc1")), "-l", "mallory", "-S", "echo x", "-o", "status"]
    result = run_agent(argv)
    assert result.rc == 1
    assert "the BMC has no user 'mallory'" in result.err
    assert result.seconds < 2.0


def test_no_bmc_fails_within_the_login_timeout(silent_port: int) -> None:
    argv = [*target_args("127.0.0.1", silent_port), "-o", "status", "--login-timeout", "1"]
    result = run_agent(argv)
    assert result.rc == 1
    assert "no answer from the BMC at 127.0.0.1" in result.err
    assert len(result.error_lines) == 1
    assert result.seconds < 3.0


def test_user_level_account_reads_but_cannot_fence(bmc: Emulator) -> None:
    status = by_argv(bmc, "-o", "status", "-L", "user", user="viewer")
    assert (status.rc, status.out) == (0, "Status: ON\n"), status.err
    off = by_argv(bmc, "-o", "off", "-L", "user", user="viewer")
    assert off.rc == 1
    assert "insufficient privilege for user 'viewer' at level user" in off.err
    assert by_argv(bmc, "-o", "status").out == "Status: ON\n"


def test_user_level_account_at_administrator_level_is_refused_clearly(bmc: Emulator) -> None:
    result = by_argv(bmc, "-o", "status", user="viewer")  # stock default privilege: administrator
    assert result.rc == 1
    assert (
        "user 'viewer' may not log in at privilege level administrator (try --privlvl=operator)" in result.err
    )


def test_cycle_refused_while_off(emulator: Callable[..., Emulator]) -> None:
    # the chassis is off but the BMC claims on: the agent cycles, the BMC refuses with 0xd5
    bmc = emulator("bmc", config=bmc_config(powered=False, faults=[{"kind": "lie", "state": "on"}]))
    result = by_argv(bmc, "-o", "reboot", "-m", "cycle")
    assert result.rc == 1
    assert "refused power cycle because the chassis is off (completion code 0xd5)" in result.err


def test_invalid_kg_is_a_usage_error(bmc: Emulator) -> None:
    result = by_argv(bmc, "-o", "status", "--hexadecimal-kg", "zz")
    assert result.rc == 1
    assert "--hexadecimal-kg must be hexadecimal digits" in result.err


def test_kg_mismatch_fails_clearly(emulator: Callable[..., Emulator]) -> None:
    bmc = emulator("bmc", config=bmc_config(kg="0123456789"))
    wrong = by_argv(bmc, "-o", "status", "--hexadecimal-kg", "6666", "--login-timeout", "2")
    assert wrong.rc == 1
    assert "Unable to connect/login to fencing device" in wrong.err
    right = by_argv(bmc, "-o", "status", "--hexadecimal-kg", b"0123456789".hex())
    assert (right.rc, right.out) == (0, "Status: ON\n"), right.err
