"""fence_agents.main.run in process, over the in-memory device and simulated clock."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.dummy_agent import FakeClock, MemoryDevice, memory_spec
from fence_agents.device import Device, PowerState
from fence_agents.main import main_for, run
from fence_agents.request import Request
from fence_agents.spec import AgentSpec

ON, OFF = PowerState.ON, PowerState.OFF
BASE = ["-a", "pdu", "-l", "admin", "-p", "pw"]


def call(
    spec: AgentSpec, argv: Sequence[str] = (), stdin: str = "", prog: str = "fence_memory"
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(spec, list(argv), io.StringIO(stdin), prog=prog, stdout=out, stderr=err, clock=FakeClock())
    return code, out.getvalue(), err.getvalue()


def device(**kw: object) -> MemoryDevice:
    return MemoryDevice(clock=FakeClock(), **kw)  # type: ignore[arg-type]


def capture_request(**overrides: object) -> tuple[AgentSpec, list[Request]]:
    seen: list[Request] = []
    dev = device()

    def connect(request: Request) -> Device:
        seen.append(request)
        return dev

    return memory_spec(dev, connect=connect, **overrides), seen


# --- output and exit codes ---------------------------------------------------------------------------


def test_status_on_exit_0_and_off_exit_2() -> None:
    spec = memory_spec(device(plugs={"1": ON, "2": OFF}))
    assert call(spec, [*BASE, "-n", "1", "-o", "status"])[:2] == (0, "Status: ON\n")
    assert call(spec, [*BASE, "-n", "2", "-o", "status"])[:2] == (2, "Status: OFF\n")


def test_default_action_is_reboot() -> None:
    assert call(memory_spec(device()), [*BASE, "-n", "1"])[:2] == (0, "Success: Rebooted\n")


def test_stdin_run_as_fenced_does_it() -> None:
    dev = device(plugs={"1": ON, "node2": ON})
    text = "agent=fence_memory\nipaddr=pdu\nlogin=admin\npasswd=pw\nnodename=node2\naction=off\n"
    code, out, err = call(memory_spec(dev), stdin=text)
    assert (code, out) == (0, "Success: Powered OFF\n")
    assert dev.plugs["node2"] is OFF
    assert "agent=" not in err  # fenced always sends it: no warning in every fenced.log line


def test_action_is_case_insensitive_and_meta_data_alias() -> None:
    spec = memory_spec(device())
    assert call(spec, [*BASE, "-n", "1", "-o", "STATUS"])[:2] == (0, "Status: ON\n")
    assert call(spec, stdin="action=meta-data\n")[1].startswith('<?xml version="1.0" ?>')


def test_unknown_action() -> None:
    code, out, err = call(memory_spec(device()), [*BASE, "-n", "1", "-o", "explode"])
    assert code == 1 and out == ""
    assert "ERROR: Failed: Unrecognised action 'explode'" in err
    assert "Please use '-h' for usage" in err


def test_timeout_message_and_exit_1() -> None:
    spec = memory_spec(device(stuck={"1"}))
    code, out, err = call(spec, [*BASE, "-n", "1", "-o", "off", "--power-timeout", "3"])
    assert code == 1 and out == ""
    assert "Failed: Timed out waiting to power OFF" in err
    assert "Traceback" not in err


def test_several_plugs_with_plug_separator() -> None:
    dev = device(plugs={"1": ON, "2": ON, "3": ON})
    assert call(memory_spec(dev), [*BASE, "-n", "1+3", "--plug-separator=+", "-o", "off"])[0] == 0
    assert dev.plugs == {"1": OFF, "2": ON, "3": OFF}


def test_list_with_separator() -> None:
    code, out, _ = call(memory_spec(device()), [*BASE, "-o", "list", "-C", ":"])
    assert (code, out) == (0, "1:node1\n2:node2\n")


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-l", "u", "-p", "pw", "-n", "1"], "Failed: You have to enter fence address"),
        (
            ["-a", "h", "-l", "u", "-p", "pw"],
            "Failed: You have to enter plug number or machine identification",
        ),
        (["-a", "h", "-l", "u", "-n", "1"], "Failed: You have to enter password or password script"),
        (["-a", "h", "-p", "pw", "-n", "1"], "Failed: You have to set login name"),
        (
            [*BASE, "-n", "1", "--power-timeout", "soon"],
            "Failed: The value you have entered for --power-timeout is not a valid time in seconds",
        ),
        (
            [*BASE, "-n", "1", "--retry-on", "1.5"],
            "Failed: The value you have entered for --retry-on is not a valid integer",
        ),
        (
            [*BASE, "-n", "1", "-u", "x"],
            "Failed: The value you have entered for --ipport is not a valid integer",
        ),
        (
            [*BASE, "-n", "1", "-m", "nap"],
            "Failed: You have to enter a valid choice for --method from the valid values: ['onoff', 'cycle']",
        ),
    ],
)
def test_validation_messages(argv: list[str], message: str) -> None:
    spec = memory_spec(
        device(), uses=("ipaddr", "login", "passwd", "port", "method"), required=("login", "passwd")
    )
    code, out, err = call(spec, argv)
    assert code == 1 and out == ""
    lines = [line.split(": ", 1)[1] for line in err.splitlines()]
    assert lines == [message, "Please use '-h' for usage"]


def test_login_and_password_optional_unless_required() -> None:
    spec = memory_spec(device(), uses=("ipaddr", "login", "passwd", "port"))
    assert call(spec, ["-a", "h", "-n", "1", "-o", "status"])[0] == 0


def test_plug_not_needed_for_list_and_monitor() -> None:
    spec = memory_spec(device())
    assert call(spec, [*BASE, "-o", "monitor"])[0] == 0
    assert call(spec, [*BASE, "-o", "list"])[0] == 0


def test_choices_are_case_insensitive() -> None:
    spec, seen = capture_request()
    assert call(spec, [*BASE, "-n", "1", "-m", "CYCLE"])[0] == 0
    assert seen[0].str("method") == "cycle"


def test_validate_all_silent_success_and_all_errors() -> None:
    spec = memory_spec(device(), required=("passwd",))
    assert call(spec, [*BASE, "-n", "1", "-o", "validate-all"]) == (0, "", "")
    code, out, err = call(spec, ["-o", "validate-all", "--delay", "x"])
    assert code == 1 and out == ""
    messages = [line.split(": ", 1)[1] for line in err.splitlines()]
    assert messages == [
        "Failed: You have to enter fence address",
        "Failed: You have to enter password, password script or identity file",
        "Failed: You have to enter plug number or machine identification",
        "Failed: The value you have entered for --delay is not a valid time in seconds",
        "validate-all failed",
        "Please use '-h' for usage",
    ]


def test_identity_file_needs_ssh(tmp_path: Path) -> None:
    spec = memory_spec(device(), required=("passwd",))
    key = tmp_path / "id"
    key.write_text("k")
    code, _, err = call(spec, ["-a", "h", "-n", "1", "-k", str(key)])
    assert code == 1 and "identity file together with ssh connection (-x)" in err
    assert call(spec, ["-a", "h", "-n", "1", "-x", "-k", str(key), "-o", "status"])[0] == 0
    code, _, err = call(spec, ["-a", "h", "-n", "1", "-x", "-k", str(tmp_path / "none")])
    assert code == 1 and "does not exist" in err


# --- what connect() receives -------------------------------------------------------------------------


def test_ipport_defaults_follow_transport() -> None:
    spec, seen = capture_request()
    call(spec, [*BASE, "-n", "1", "-o", "status"])
    call(spec, [*BASE, "-n", "1", "-o", "status", "-x"])
    call(spec, stdin="ipaddr=h\nport=1\naction=status\nssh=0\n")
    call(spec, [*BASE, "-n", "1", "-o", "status", "-x", "-u", "2222"])
    assert [r.int("ipport") for r in seen] == [23, 22, 23, 2222]
    assert [r.flag("secure") for r in seen] == [False, True, False, True]


def test_agent_defaults_override_common_ones() -> None:
    spec, seen = capture_request(defaults={"ipport": "623", "power_wait": "2", "login_timeout": "10"})
    call(spec, [*BASE, "-n", "1", "-o", "status"])
    assert seen[0].int("ipport") == 623
    assert seen[0].seconds("power_wait") == 2.0
    assert seen[0].seconds("login_timeout") == 10.0
    assert seen[0].seconds("shell_timeout") == 3.0


def test_symlink_name_selects_its_defaults() -> None:
    spec, seen = capture_request(symlinks={"fence_memory_ssh": {"secure": "1", "ipport": "2022"}})
    call(spec, [*BASE, "-n", "1", "-o", "status"], prog="fence_memory_ssh")
    assert seen[0].flag("secure") and seen[0].int("ipport") == 2022


def test_password_is_a_secret() -> None:
    spec, seen = capture_request()
    call(spec, [*BASE, "-n", "1", "-o", "status"])
    assert "passwd" not in seen[0].values
    assert seen[0].password is not None and seen[0].password.reveal() == "pw"


def test_password_script_fills_the_password() -> None:
    spec, seen = capture_request()
    call(spec, ["-a", "h", "-n", "1", "-o", "status", "-S", "printf 'from-script\\n\\n'"])
    assert seen[0].password is not None and seen[0].password.reveal() == "from-script"


def test_failing_password_script() -> None:
    spec, seen = capture_request()
    code, _, err = call(spec, ["-a", "h", "-n", "1", "-o", "status", "-S", "exit 3"])
    assert code == 1 and "Failed: Password script exited with status 3" in err
    assert seen == []


def test_port_as_ip_for_plugless_agents() -> None:
    spec, seen = capture_request(uses=("ipaddr", "login", "passwd", "method"), plug_required=False)
    assert call(spec, ["-n", "bmc1", "--port-as-ip", "-o", "status"])[0] == 0
    assert seen[0].ipaddr == "bmc1"
    code, _, err = call(spec, ["-n", "bmc1", "-o", "status"])
    assert code == 1 and "Failed: You have to enter fence address" in err
    assert call(spec, stdin="ipaddr=bmc\nnodename=node1\naction=status\n")[0] == 0
    assert seen[-1].ipaddr == "bmc" and seen[-1].plug is None


def test_disable_timeout_polls_without_limit() -> None:
    spec, seen = capture_request()
    call(spec, [*BASE, "-n", "1", "-o", "status", "--disable-timeout", "true"])
    assert seen[0].seconds("power_timeout") == 0


def test_pacemaker_env_keeps_our_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PCMK_service", "pacemaker-fenced")
    spec, seen = capture_request()
    call(spec, [*BASE, "-n", "1", "-o", "status"])
    assert seen[0].seconds("power_timeout") == 20.0


# --- fabric agents ---------------------------------------------------------------------------------


def test_fabric_default_off_and_enable_disable_aliases() -> None:
    dev = device(plugs={"1": ON})
    spec = memory_spec(dev, fabric=True)
    assert call(spec, [*BASE, "-n", "1"])[:2] == (0, "Success: Powered OFF\n")
    assert call(spec, [*BASE, "-n", "1", "-o", "enable"])[:2] == (0, "Success: Powered ON\n")
    assert call(spec, [*BASE, "-n", "1", "-o", "disable"])[:2] == (0, "Success: Powered OFF\n")
    code, _, err = call(spec, [*BASE, "-n", "1", "-o", "reboot"])
    assert code == 1 and "Failed: Unrecognised action 'reboot'" in err


def test_enable_is_unknown_for_power_agents() -> None:
    assert call(memory_spec(device()), [*BASE, "-n", "1", "-o", "enable"])[0] == 1


def test_diag_only_when_declared() -> None:
    assert call(memory_spec(device()), [*BASE, "-n", "1", "-o", "diag"])[0] == 1


# --- logging, help, version, errors ----------------------------------------------------------------


def test_quiet_silences_stderr() -> None:
    code, out, err = call(memory_spec(device()), ["-q", "-n", "1"])
    assert code == 1 and out == "" and err == ""


def test_verbose_shows_debug_and_debug_file_gets_it(tmp_path: Path) -> None:
    debug = tmp_path / "debug.log"
    spec = memory_spec(device())
    code, _, err = call(spec, [*BASE, "-n", "1", "-o", "off", "--delay", "1", "-v", "-D", str(debug)])
    assert code == 0
    assert "INFO: Delay 1 second(s) before logging in to the fence device" in err
    assert "Delay 1 second(s)" in debug.read_text()
    code, _, err = call(spec, [*BASE, "-n", "1", "-o", "off", "--delay", "1"])
    assert "Delay" not in err


def test_unwritable_debug_file() -> None:
    code, _, err = call(memory_spec(device()), [*BASE, "-n", "1", "-D", "/nonexistent/dir/x.log"])
    assert code == 1 and "Failed: Unable to create file /nonexistent/dir/x.log" in err


def test_help_and_version() -> None:
    code, out, _ = call(memory_spec(device()), ["-h"], prog="fence_memory")
    assert code == 0 and out.startswith("Usage:\n\tfence_memory [options]\nOptions:\n   -a, --ip=[ip]")
    code, out, _ = call(memory_spec(device()), ["-V"])
    assert code == 0 and out.strip()[0].isdigit()


def test_unexpected_exception_is_one_line() -> None:
    def explode(request: Request) -> Device:
        raise RuntimeError("socket exploded\nsecond line")

    code, out, err = call(memory_spec(device(), connect=explode), [*BASE, "-n", "1"])
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.endswith("ERROR: Failed: socket exploded\n")


def test_secret_in_exception_text_is_redacted() -> None:
    def leak(request: Request) -> Device:
        raise RuntimeError(f"bad password {request.password.reveal() if request.password else ''}")

    _, _, err = call(memory_spec(device(), connect=leak), [*BASE, "-p", "hunter2", "-n", "1"])
    assert "hunter2" not in err and "bad password ***" in err


def test_main_for_returns_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["fence_memory", "-o", "metadata"])
    assert main_for(memory_spec(device()))() == 0
    assert '<resource-agent name="fence_memory"' in capsys.readouterr().out


def test_diag_when_declared() -> None:
    code, out, _ = call(memory_spec(device(), actions=("diag",)), [*BASE, "-n", "1", "-o", "diag"])
    assert code == 1 and out == ""  # the memory device has no diag: NotSupported, one line
    assert "diag" in call(memory_spec(device(), actions=("diag",)), ["-o", "metadata"])[1]


def test_list_on_a_device_that_cannot_list() -> None:
    class NoList(MemoryDevice):
        def list_plugs(self) -> dict[str, str]:
            return super(MemoryDevice, self).list_plugs()  # the Device default: NotSupported

    code, out, err = call(memory_spec(NoList(clock=FakeClock())), [*BASE, "-o", "list"])
    assert (code, out) == (1, "")
    assert "Failed: Action 'list' is not supported by this device" in err
    assert call(memory_spec(NoList(clock=FakeClock())), [*BASE, "-o", "monitor"])[0] == 0


def test_request_carries_verbose_level() -> None:
    spec, seen = capture_request()
    call(spec, [*BASE, "-n", "1", "-o", "status", "-vv"])
    call(spec, stdin="ipaddr=h\nport=1\naction=status\nverbose=1\n")
    assert [r.int("verbose_level") for r in seen] == [2, 1]


@pytest.mark.parametrize(
    "error, line",
    [
        (TimeoutError("timed out"), "Connection timed out"),
        (ConnectionRefusedError(111, "Connection refused"), "Unable to connect/login to fencing device"),
        (ConnectionResetError(104, "reset"), "Connection lost"),
        (EOFError(), "Connection lost"),
        (ValueError(""), "Failed: ValueError"),
    ],
)
def test_escaped_library_errors_get_upstream_words(error: Exception, line: str) -> None:
    def fail(request: Request) -> Device:
        raise error

    code, out, err = call(memory_spec(device(), connect=fail), [*BASE, "-n", "1"])
    assert (code, out) == (1, "")
    assert err.endswith(f"ERROR: {line}\n") and err.count("\n") == 1


def test_short_password_does_not_garble_stdout() -> None:
    def careless(request: Request) -> Device:
        # a library that logs what it was given (our own messages never hold a secret in the first place)
        password = request.password.reveal() if request.password else ""
        logging.getLogger("some_library").warning("using password %s", password)
        return device()

    code, out, err = call(
        memory_spec(device(), connect=careless), ["-a", "h", "-p", "S", "-n", "1", "-o", "status"]
    )
    assert (code, out) == (0, "Status: ON\n")  # machine-read output stays intact
    assert "using password ***" in err  # logs still mask it
