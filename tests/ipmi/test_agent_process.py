"""Our fence_ipmilan as a process against our BMC emulator, by argv and by stdin, as fenced runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator

from .support import USERS, bmc_config, by_argv, by_stdin, run_agent, target_args


@pytest.fixture
def bmc(emulator: Callable[..., Emulator]) -> Emulator:
    """A running BMC emulator with the test users (support.bmc_config)."""
    return emulator("bmc", config=bmc_config())


def test_actions_by_argv(bmc: Emulator) -> None:
    assert (by_argv(bmc, "-o", "status").rc, by_argv(bmc, "-o", "status").out) == (0, "Status: ON\n")
    off = by_argv(bmc, "-o", "off")
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    status = by_argv(bmc, "-o", "status")
    assert (status.rc, status.out) == (2, "Status: OFF\n")
    assert by_argv(bmc, "-o", "off").out == "Success: Already OFF\n"
    on = by_argv(bmc, "-o", "on")
    assert (on.rc, on.out) == (0, "Success: Powered ON\n")
    reboot = by_argv(bmc)  # the default action
    assert (reboot.rc, reboot.out) == (0, "Success: Rebooted\n")
    cycle = by_argv(bmc, "-o", "reboot", "--method", "cycle")
    assert (cycle.rc, cycle.out) == (0, "Success: Rebooted\n")
    diag = by_argv(bmc, "-o", "diag")
    assert diag.rc == 0, diag.err
    assert by_argv(bmc, "-o", "monitor").rc == 0
    assert by_argv(bmc, "-o", "status").out == "Status: ON\n"


def test_actions_by_stdin(bmc: Emulator) -> None:
    off = by_stdin(bmc, "off", port="node1")  # fenced's port=<node> is not an address for a BMC
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    status = by_stdin(bmc, "status")
    assert (status.rc, status.out) == (2, "Status: OFF\n")
    reboot = by_stdin(bmc, "reboot", method="cycle")  # off: powered on rather than cycled
    assert (reboot.rc, reboot.out) == (0, "Success: Rebooted\n")
    assert by_stdin(bmc, "status").out == "Status: ON\n"


def test_plug_as_address_with_port_as_ip(bmc: Emulator) -> None:
    argv = target_args(bmc.host, bmc.port("bmc1"))[2:]  # no -a
    result = run_agent([*argv, "--port-as-ip", "-n", bmc.host, "-o", "status"])
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err


@pytest.mark.parametrize("cipher", ["3", "17"])
def test_cipher_suites_fall_back_to_what_the_bmc_offers(bmc: Emulator, cipher: str) -> None:
    result = by_argv(bmc, "-o", "status", "-P", "-C", cipher)
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err


def test_suite_17_is_preferred(bmc: Emulator) -> None:
    result = by_argv(bmc, "-o", "status", "-v")
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err
    assert "IPMI session up, cipher suite 17" in result.err


@pytest.mark.parametrize("cipher", [None, "17"])
def test_falls_back_to_suite_3_on_an_older_bmc(emulator: Callable[..., Emulator], cipher: str | None) -> None:
    bmc = emulator("bmc", config=bmc_config(cipher_suites=[3]))
    result = by_argv(bmc, "-o", "status", "-v", *(["-C", cipher] if cipher else []))
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err
    assert "IPMI session up, cipher suite 3" in result.err


def test_suite_3_only_against_a_suite_17_only_bmc_is_refused_clearly(
    emulator: Callable[..., Emulator],
) -> None:
    bmc = emulator("bmc", config=bmc_config(cipher_suites=[17]))
    result = by_argv(bmc, "-o", "status", "-C", "3")
    assert result.rc == 1
    assert "no common cipher suite (no cipher suite match: the BMC refused suite 3)" in result.err
    assert result.seconds < 2.0


def test_unsupported_cipher_is_a_usage_error(bmc: Emulator) -> None:
    result = by_argv(bmc, "-o", "status", "-C", "1")
    assert result.rc == 1
    assert "cipher suite 1 is not supported" in result.err


def test_operator_may_fence(bmc: Emulator) -> None:
    result = by_argv(bmc, "-o", "off", "-L", "operator", user="oper")
    assert (result.rc, result.out) == (0, "Success: Powered OFF\n"), result.err


@pytest.mark.parametrize("tool", ["fence_ipmilanplus", "fence_ilo4", "fence_idrac", "fence_imm"])
def test_symlink_names_fence_too(bmc: Emulator, tool: str) -> None:
    result = by_argv(bmc, "-o", "status", tool=tool)
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err


def test_symlink_defaults_in_metadata() -> None:
    ilo3 = run_agent(["-o", "metadata"], tool="fence_ilo3").out
    assert '<resource-agent name="fence_ilo3"' in ilo3
    power_wait = ilo3.split('name="power_wait"')[1].split("</parameter>")[0]
    assert 'default="4"' in power_wait
    lanplus = ilo3.split('name="lanplus"')[1].split("</parameter>")[0]
    assert 'default="1"' in lanplus
    plain = run_agent(["-o", "metadata"]).out
    assert 'default="2"' in plain.split('name="power_wait"')[1].split("</parameter>")[0]
    assert 'default="623"' in plain.split('name="ipport"')[1].split("</parameter>")[0]
    assert '<action name="diag" />' in plain


def test_compatibility_options_are_accepted(bmc: Emulator) -> None:
    result = by_argv(
        bmc, "-o", "status", "--ipmitool-path", "/nonexistent/ipmitool", "--ipmitool-timeout", "5",
        "-A", "md5", "--use-sudo", "--sudo-path", "/usr/bin/sudo",
    )  # fmt: skip
    assert (result.rc, result.out) == (0, "Status: ON\n"), result.err


def test_password_stays_out_of_verbose_output(bmc: Emulator) -> None:
    result = by_stdin(bmc, "status", verbose="1", debug_file="/dev/null")
    assert result.rc == 0
    assert USERS["admin"]["password"] not in result.err


def test_a_run_loads_neither_pyghmi_nor_cryptography(bmc: Emulator) -> None:
    """The lean client: status and a power change without pyghmi's session or cryptography's AES (AES comes
    from libcrypto through ctypes)."""
    probe = (
        "import contextlib, io, json, sys\n"
        "from fence_agents.agents import ipmilan\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = ipmilan.main()\n"
        "from fence_agents.ipmi import aes\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pyghmi', 'cryptography'})\n"
        "print(json.dumps([code, out.getvalue(), heavy, aes.backend()]))\n"
    )
    for action, expected in (("status", "Status: ON\n"), ("reboot", "Success: Rebooted\n")):
        argv = [*target_args(bmc.host, bmc.port("bmc1")), "-o", action, "--power-wait", "0"]
        done = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, timeout=30, check=False
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [0, expected, [], "libcrypto"]
