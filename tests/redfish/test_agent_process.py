"""Our fence_redfish as a process against our Redfish emulator: actions, plugs, sessions, refusals, TLS."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from harness.pytest_plugin import Emulator, start_emulator
from harness.tools import pid_running
from harness.waiting import wait_for

from .support import agent_args, by_stdin, config, error_line, ours, password_script, system

Start = Callable[..., Emulator]


@pytest.fixture
def bmc(emulator: Start) -> Emulator:
    """A Redfish emulator with the tests' default config (one system, sessions and Basic on)."""
    return emulator("redfish", config=config())


@pytest.fixture(scope="module")
def shared() -> Iterator[Emulator]:
    """One emulator for the fault tests (faults are cleared after each)."""
    with start_emulator("redfish", config()) as device:
        yield device


@pytest.fixture
def faulty(shared: Emulator) -> Iterator[Emulator]:
    """The module's shared emulator; its faults are cleared after each test."""
    yield shared
    shared.control({"cmd": "clear-faults"})


def test_status_off_on_reboot_and_sessions_deleted(bmc: Emulator) -> None:
    assert (ours(bmc, "-o", "status").rc, ours(bmc, "-o", "status").out) == (0, "Status: ON\n")
    off = ours(bmc, "-o", "off")
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    assert not system(bmc, "1")["on"]
    status = ours(bmc, "-o", "status")
    assert (status.rc, status.out) == (2, "Status: OFF\n")
    assert ours(bmc, "-o", "on").out == "Success: Powered ON\n"
    reboot = ours(bmc, "-o", "reboot")
    assert (reboot.rc, reboot.out) == (0, "Success: Rebooted\n")
    assert system(bmc, "1")["resets"] == {"ForceOff": 2, "On": 2}
    assert ours(bmc, "-o", "monitor").rc == 0
    assert bmc.control({"cmd": "state"})["sessions"] == 0  # every run logged out


def test_stdin_as_pacemaker_sends_it_with_port_nodename(bmc: Emulator) -> None:
    lines = {
        "action": "off", "ip": bmc.host, "ipport": str(bmc.port("https")), "username": "admin",
        "password_script": password_script("adm1n-Secret"), "ssl_insecure": "1", "port": "node7",
        "nodename": "node7",
    }  # fmt: skip
    result = by_stdin(bmc, lines)
    assert (result.rc, result.out) == (0, "Success: Powered OFF\n"), result.err


def test_systems_as_plugs_by_id_and_host_name(emulator: Start) -> None:
    systems = [{"id": "blade1", "host_name": "node1"}, {"id": "blade2", "host_name": "node2"}]
    bmc = emulator("redfish", config=config(systems=systems))
    off = ours(bmc, "-n", "node2", "-o", "off")
    assert off.out == "Success: Powered OFF\n", off.err
    assert (system(bmc, "blade1")["on"], system(bmc, "blade2")["on"]) == (True, False)
    assert ours(bmc, "-o", "list-status").out == "blade1,System blade1,ON\nblade2,System blade2,OFF\n"
    assert ours(bmc, "-n", "blade1,blade2", "-o", "status").out == "Status: ON\n"
    unknown = ours(bmc, "-n", "node9", "-o", "off")
    assert unknown.rc == 1 and "No system 'node9'" in error_line(unknown)
    last = ours(bmc, "-o", "status")  # no plug: the stock agent's choice, the last member, with a warning
    assert last.out == "Status: OFF\n" and "using the last" in last.err


def test_wired_process_dies_on_off_and_restarts_on_on(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(systems=[{"id": "1", "target": "sleep 600"}]))
    pid = wait_for("the wired process", lambda: _wired_pid(bmc), 5)
    assert ours(bmc, "-o", "off").rc == 0
    assert not pid_running(pid)
    assert ours(bmc, "-o", "on").rc == 0
    wait_for("the wired process again", lambda: _wired_pid(bmc) not in (None, pid), 5)


def _wired_pid(bmc: Emulator) -> int | None:
    """The emulator's child running the wired command (Linux /proc/PID/task/*/children)."""
    import glob

    for path in glob.glob(f"/proc/{bmc.pid}/task/*/children"):
        with open(path) as fh:
            for child in fh.read().split():
                try:
                    with open(f"/proc/{child}/cmdline", "rb") as cmd:
                        if cmd.read().split(b"\0")[:2] == [b"sleep", b"600"] and pid_running(int(child)):
                            return int(child)
                except OSError:
                    continue
    return None


def test_wrong_password_readonly_reset_and_refused_type_are_one_line(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(reset_types=["On", "GracefulShutdown"]))
    wrong = ours(bmc, "-o", "status", password="nope")
    assert wrong.rc == 1 and error_line(wrong).endswith(
        "Unable to connect/login to fencing device (HTTP 401 NoValidSession: There is no valid session "
        "established with the implementation.)"
    )
    refused = ours(bmc, "-o", "off")
    assert (
        refused.rc == 1
        and "the BMC does not allow ForceOff (it allows On, GracefulShutdown)" in error_line(refused)
    )
    assert system(bmc, "1")["resets"] == {}
    assert bmc.control({"cmd": "state"})["sessions"] == 0  # deleted on the error path too


def test_readonly_reset_refusal_names_the_bmc_message(bmc: Emulator) -> None:
    result = ours(bmc, "-o", "off", user="viewer", timeout=10)
    assert result.rc == 1 and result.seconds < 5
    assert "The BMC refused ForceOff: HTTP 403 InsufficientPrivilege" in error_line(result)
    assert bmc.control({"cmd": "state"})["sessions"] == 0


def test_tls_checked_unless_insecure_even_with_a_ca_bundle_set(
    bmc: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    untrusted = ours(bmc, "-o", "status", "--ssl-secure")
    assert untrusted.rc == 1 and "CERTIFICATE_VERIFY_FAILED" in error_line(untrusted)
    assert ours(bmc, "-o", "status").out == "Status: ON\n"  # --ssl-insecure wins over the bundle
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", bmc.info["ca_file"])
    assert ours(bmc, "-o", "status", "--ssl-secure").out == "Status: ON\n"  # the emulator's CA is trusted


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"kind": "hang", "command": "status"}, "Connection timed out"),
        ({"kind": "tls-fail"}, "TLS with https://127.0.0.1:"),
        ({"kind": "garbage", "command": "systems"}, "with a body that is not JSON"),
        ({"kind": "server-error", "command": "status", "code": 503}, "HTTP 503 GeneralError"),
        ({"kind": "refuse-login"}, "Unable to connect/login to fencing device (HTTP 401"),
        ({"kind": "latency", "command": "systems", "seconds": 4}, "Connection timed out"),
        ({"kind": "drop", "command": "systems"}, "Connection lost"),
        ({"kind": "drop", "command": "root"}, "Connection lost"),
    ],
)
def test_faults_give_one_line_within_the_deadline(
    bmc: Emulator, fault: dict[str, object], words: str
) -> None:
    assert bmc.control({"cmd": "fault", "fault": fault})["ok"]
    result = ours(bmc, "-o", "status", "--shell-timeout", "1", "--login-timeout", "1", timeout=15)
    assert result.rc == 1 and words in error_line(result), result.err
    assert result.seconds < 8
    assert bmc.control({"cmd": "state"})["sessions"] == 0  # deleted after a hang or garbage too


def test_stuck_relay_times_out(bmc: Emulator) -> None:
    bmc.control({"cmd": "fault", "fault": {"kind": "stuck"}})
    stuck = ours(bmc, "-o", "off", "--power-timeout", "1")
    assert stuck.rc == 1 and error_line(stuck).endswith("Failed: Timed out waiting to power OFF")


def test_sessions_off_uses_basic_and_basic_off_uses_sessions(emulator: Start) -> None:
    no_sessions = emulator("redfish", config=config(sessions=False))
    assert ours(no_sessions, "-o", "off").out == "Success: Powered OFF\n"
    idrac10 = emulator("redfish", config=config(profile="idrac10"))
    assert ours(idrac10, "-o", "status").out == "Status: ON\n"


def test_session_limit_falls_back_to_basic(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(profile="idrac", session_limit=1))
    import json
    import ssl
    import urllib.request

    ctx = ssl.create_default_context(cafile=bmc.info["ca_file"])
    body = json.dumps({"UserName": "oper", "Password": "0per-Secret"}).encode()
    req = urllib.request.Request(bmc.info["url"] + "/redfish/v1/SessionService/Sessions", body, method="POST",
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, context=ctx, timeout=5) as answer:
        assert answer.status == 201
    result = ours(bmc, "-o", "status")
    assert result.out == "Status: ON\n" and "RAC0218" in result.err


def test_cycle_uses_force_restart_or_power_cycle(emulator: Start) -> None:
    generic = emulator("redfish", config=config())
    assert ours(generic, "-o", "reboot", "-m", "cycle").out == "Success: Rebooted\n"
    assert system(generic, "1")["resets"] == {"ForceRestart": 1}
    openbmc = emulator("redfish", config=config(profile="openbmc"))
    assert ours(openbmc, "-o", "reboot", "--method", "cycle").out == "Success: Rebooted\n"
    assert system(openbmc, "system")["resets"] == {"PowerCycle": 1}


def test_powering_on_is_not_on_until_the_bmc_says_on(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(power_on_delay=1.0, systems=[{"id": "1", "powered": False}]))
    result = ours(bmc, "-o", "on")
    assert result.out == "Success: Powered ON\n" and result.seconds >= 1.0


def test_lagging_power_state_is_polled_until_off(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(profile="lagging", state_lag=0.5))
    assert ours(bmc, "-o", "off").out == "Success: Powered OFF\n"


def test_missing_system_and_empty_collection(emulator: Start) -> None:
    bmc = emulator("redfish", config=config())
    missing = ours(bmc, "-o", "status", "--systems-uri", "/redfish/v1/Systems/9")
    assert missing.rc == 1 and "Unable to get PowerState: https://127.0.0.1:" in error_line(missing)
    empty = emulator("redfish", config=config(systems=0))
    none = ours(empty, "-o", "status")
    assert none.rc == 1 and error_line(none).endswith(
        f"Failed: No systems in {empty.info['url']}/redfish/v1/Systems"
    )


def test_diag_sends_nmi(bmc: Emulator) -> None:
    result = ours(bmc, "-o", "diag")
    assert result.rc == 0 and system(bmc, "1")["nmis"] == 1


def test_sigterm_while_the_bmc_hangs_still_deletes_the_session(bmc: Emulator) -> None:
    import signal
    import subprocess

    from harness.tools import our_tool

    bmc.control({"cmd": "fault", "fault": {"kind": "hang", "command": "status"}})
    argv = [
        our_tool("fence_redfish"),
        *agent_args(bmc),
        "--ssl-insecure",
        "-o",
        "off",
        "--shell-timeout",
        "60",
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for("the agent's session", lambda: bmc.control({"cmd": "state"})["sessions"] == 1, 20)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 1 and "Terminated" in err and "Traceback" not in err, err
    assert bmc.control({"cmd": "state"})["sessions"] == 0


def test_reboot_whose_on_half_is_refused_follows_the_reboot_rule(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(reset_types=["ForceOff"]))  # no On, ForceOn: the on half fails
    result = ours(bmc, "-o", "reboot")
    assert (result.rc, result.out) == (0, "Success: Rebooted\n"), result.err  # verified off: fenced
    assert "does not allow On or ForceOn" in result.err
    assert not system(bmc, "1")["on"]
