"""Every console script of pyproject.toml, run as a process with bad input.

Each must say what is wrong in one line (file and line number where there is one), exit with its
documented code, within its timeout, never with a traceback, never showing a password.
Documented codes: agents 1 (docs/agent-api.md); ccs_* and confdb2ldif 1 (docs/cluster.md); rg_test 1
(docs/rm.md); cman_tool, fence_tool, fence_node, fence_ack_manual and fencelab-node 1, 2 for usage
(docs/fenced.md); fencelab 2 for usage, and `fencelab emulate` 2 for a bad configuration
(emulators/base/runner.py).
"""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.emulator_process import start_emulator

from .cases import (
    AGENT_ALIASES,
    AGENTS,
    BAD_CONFS,
    CLOSED_STDOUT,
    CONFIG_TOOLS,
    CONNECT_FAILED,
    ECHOED_ARGUMENTS,
    EMULATORS,
    LISTING1,
    MISSING_VALUE,
    NO_DAEMON,
    NO_DAEMON_CASES,
    PROGRAMS,
    STDIN_CASES,
    TOML_CASES,
    UNKNOWN_OPTION,
    agent_target,
    config_args,
)
from .support import (
    SECRET,
    SLACK,
    assert_clear_failure,
    assert_no_traceback,
    closed_port,
    fake_device,
    problem_lines,
    run,
    run_with_stdout_closed,
    write,
)

# --- help --------------------------------------------------------------------------------------------


# Agents share one framework: --help through fence_nps, -h through every agent and alias.
HELP_RUNS = [
    (p, f) for p in PROGRAMS for f in ("-h", "--help") if f == "-h" or p not in (*AGENTS[1:], *AGENT_ALIASES)
]


@pytest.mark.parametrize(("program", "flag"), HELP_RUNS)
def test_help_exits_0(program: str, flag: str) -> None:
    done = run(program, flag)
    assert_no_traceback(done)
    assert done.code == 0 and done.err == "", done
    assert "usage" in done.out.lower(), done


@pytest.mark.parametrize("kind", EMULATORS)
def test_emulator_help_exits_0(kind: str) -> None:
    done = run("fencelab", "emulate", kind, "--help")
    assert_no_traceback(done)
    assert done.code == 0 and done.out.startswith(f"usage: fencelab emulate {kind}"), done


# --- unknown options, missing values -------------------------------------------------------------


@pytest.mark.parametrize(("program", "before", "code", "says"), UNKNOWN_OPTION)
def test_unknown_option(program: str, before: list[str], code: int, says: str) -> None:
    assert_clear_failure(run(program, *before, "--bogus-opt"), code, says)


@pytest.mark.parametrize(("program", "args", "code", "says"), MISSING_VALUE)
def test_missing_or_bad_value(program: str, args: list[str], code: int, says: str) -> None:
    assert_clear_failure(run(program, *args), code, says)


def test_fencelab_without_a_command_prints_usage_and_exits_2() -> None:
    done = run("fencelab")
    assert_no_traceback(done)
    assert done.code == 2 and done.err.startswith("usage: fencelab") and not done.out, done


# --- agents: garbage on stdin ----------------------------------------------------------------------


# The stdin reader is shared: every case through fence_nps, the cheap telling ones through every agent.
STDIN_RUNS = [("fence_nps", c) for c in STDIN_CASES] + [(a, c) for a in AGENTS[1:] for c in ("binary", "nul")]


@pytest.mark.parametrize(("agent", "case"), STDIN_RUNS)
def test_agent_garbage_stdin(agent: str, case: str) -> None:
    data, says = STDIN_CASES[case]
    done = run(agent, stdin=data)
    assert_clear_failure(done, 1, says)
    if case == "nul":
        assert "contains a NUL byte" in done.err, done


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_stdin_bytes_give_one_line(data: bytes) -> None:
    assert_clear_failure(run("fence_nps", stdin=data), 1)


# --- agents: bad actions and paths -----------------------------------------------------------------


@pytest.mark.parametrize("agent", AGENTS)
def test_agent_invalid_action(agent: str) -> None:
    done = run(agent, "-o", "explode", *agent_target(agent, closed_port()))
    assert_clear_failure(done, 1, r"Failed: Unrecognised action 'explode'")


def test_agent_action_with_control_characters_is_escaped() -> None:
    done = run("fence_nps", "-o", "\x1b]0;owned\x07", *agent_target("fence_nps", closed_port()))
    assert_clear_failure(done, 1, r"Unrecognised action '\\x1b\]0;owned\\x07'")


def test_agent_file_options(tmp_path: Path) -> None:
    target = agent_target("fence_nps", closed_port())
    cases = [
        (["-D", str(tmp_path)], r"Failed: Unable to create file"),
        (["-D", str(tmp_path / "no" / "such" / "dir" / "log")], r"Failed: Unable to create file"),
        (["-x", "-k", str(tmp_path / "missing_key")], r"Failed: Identity file .* does not exist"),
        (["-S", str(tmp_path / "missing_script")], r"status 127 \(command not found\)"),
    ]
    for extra, says in cases:
        args = [a for a in target if a not in ("-p", SECRET)] if "-S" in extra else target
        assert_clear_failure(run("fence_nps", "-o", "status", *args, *extra), 1, says)


# --- agents: devices that are not there, hang, drop the line or talk nonsense ----------------------

CLOSED_PORT = [
    ("fence_nps", []),
    ("fence_nps", ["-x"]),
    ("fence_brocade", []),
    ("fence_ifmib", []),
    ("fence_ipmilan", []),
]


@pytest.mark.parametrize(("agent", "extra"), CLOSED_PORT)
def test_agent_closed_port(agent: str, extra: list[str]) -> None:
    login_timeout = 0.5
    args = ["-o", "status", "-v", "--login-timeout", str(login_timeout), *extra]
    done = run(agent, *args, *agent_target(agent, closed_port()), deadline=login_timeout + 10)
    assert_clear_failure(done, 1, CONNECT_FAILED, within=login_timeout + SLACK)


def test_ifmib_v3_closed_port() -> None:
    args = ["-o", "status", "--snmp-version", "3", "-l", "admin", "-p", SECRET, "--login-timeout", "0.5"]
    done = run(
        "fence_ifmib", *args, "--shell-timeout", "0.2", "-a", "127.0.0.1", "-u", str(closed_port()), "-n", "1"
    )
    assert_clear_failure(done, 1, CONNECT_FAILED, within=0.5 + SLACK)


@pytest.mark.parametrize(
    ("agent", "behaviour"),
    [("fence_nps", "hang"), ("fence_nps", "drop"), ("fence_brocade", "drop"), ("fence_brocade", "garbage")],
)
def test_agent_against_a_broken_device(agent: str, behaviour: str) -> None:
    with fake_device(behaviour) as port:
        args = ["-o", "off", "--login-timeout", "0.5", "--shell-timeout", "0.5", *agent_target(agent, port)]
        done = run(agent, *args, deadline=12)
    assert_clear_failure(done, 1, r"Unable to connect/login|Connection (lost|timed out)", within=0.5 + SLACK)
    assert "Success" not in done.out, done


# --- cluster.conf readers ----------------------------------------------------------------------------


def _assert_names_the_place(line: str, path: str, where: int | None, words: str) -> None:
    place = re.escape(path) + (f":{where}: " if where else ": ")
    assert re.search(place, line), f"{line!r} does not name {path}:{where}"
    assert words in line, line
    assert "XML_PARSE" not in line and "xmlCtxt" not in line, f"libxml2's advice to programmers: {line!r}"


@pytest.mark.parametrize("case", BAD_CONFS)
def test_ccs_config_validate_on_malformed_conf(case: str, tmp_path: Path) -> None:
    content, where, words = BAD_CONFS[case]
    path = write(tmp_path / "cluster.conf", content)
    done = run("ccs_config_validate", "-f", path)
    line = assert_clear_failure(done, 1)
    _assert_names_the_place(line, path, where, words)
    assert done.out == "Configuration fails to validate\n", done


# ccs_config_validate above takes every case; the other readers share its loader: three telling ones each.
READER_RUNS = [
    (t, c)
    for t in ("ccs_config_dump", "ccs_objctl", "confdb2ldif", "fencelab-node", "rg_test")
    for c in ("truncated", "billion-laughs", "wrong-root")
]


@pytest.mark.parametrize(("tool", "case"), READER_RUNS)
def test_config_readers_on_malformed_conf(tool: str, case: str, tmp_path: Path) -> None:
    content, where, words = BAD_CONFS[case]
    path = write(tmp_path / "cluster.conf", content)
    done = run(tool, *config_args(tool, path, tmp_path))
    _assert_names_the_place(assert_clear_failure(done, 1), path, where, words)
    assert done.out == "", done


def _unusable_paths(tmp: Path) -> dict[str, tuple[str, str]]:
    a_file = write(tmp / "a_file", "not a directory\n")
    return {
        "missing": (str(tmp / "missing.conf"), "No such file or directory"),
        "directory": (str(tmp), "Is a directory"),
        "under-a-file": (a_file + "/cluster.conf", "Not a directory"),
    }


@pytest.mark.parametrize("tool", [*CONFIG_TOOLS, "fencelab-node", "rg_test"])
def test_config_readers_on_unusable_paths(tool: str, tmp_path: Path) -> None:
    paths = _unusable_paths(tmp_path)
    for path, reason in paths.values() if tool == "ccs_config_dump" else [paths["under-a-file"]]:
        line = assert_clear_failure(run(tool, *config_args(tool, path, tmp_path)), 1)
        assert path in line and reason in line, line


def test_config_path_from_environment_is_checked_too(tmp_path: Path) -> None:
    done = run("ccs_objctl", env={"COROSYNC_CLUSTER_CONFIG_FILE": str(tmp_path)})
    assert str(tmp_path) in assert_clear_failure(done, 1, "Is a directory")


@pytest.mark.skipif(Path("/proc/self").owner() == "root", reason="root reads files whatever their mode")
def test_config_readers_on_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "cluster.conf", Path(LISTING1).read_text())
    Path(path).chmod(0)
    assert_clear_failure(run("ccs_config_dump", "-f", path), 1, "Permission denied")


def test_cman_tool_join_with_bad_config_or_run_dir(tmp_path: Path) -> None:
    bad = write(tmp_path / "cluster.conf", BAD_CONFS["truncated"][0])
    done = run("cman_tool", "join", "-c", bad, "-n", "node1", "-d", str(tmp_path / "run"), deadline=10)
    _assert_names_the_place(assert_clear_failure(done, 1), bad, 4, "malformed")
    a_file = write(tmp_path / "a_file", "x")
    done = run("cman_tool", "join", "-c", LISTING1, "-n", "iscsi1", "-d", a_file + "/run")
    assert_clear_failure(done, 1, r"cannot use run directory .*: Not a directory")


def test_cman_tool_join_that_times_out_leaves_no_node_behind(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    done = run("cman_tool", "join", "-c", LISTING1, "-n", "iscsi1", "-d", str(run_dir), "-t", "0.001")
    assert_clear_failure(done, 1, r"the node daemon did not answer within 0.001s")
    assert_clear_failure(run("cman_tool", "status", "-d", str(run_dir)), 1, r"is it running \?")
    assert not (run_dir / "node.pid").exists()


def test_node_daemon_that_cannot_start(tmp_path: Path) -> None:
    a_file = write(tmp_path / "a_file", "x")
    node = ["-c", LISTING1, "-n", "iscsi1"]
    done = run("fencelab-node", *node, "--run-dir", a_file + "/run")
    assert_clear_failure(done, 1, r"^fencelab-node: Not a directory: " + re.escape(a_file))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", 0))
        port = str(taken.getsockname()[1])
        done = run("fencelab-node", *node, "--run-dir", str(tmp_path / "run"), "-p", port)
    assert_clear_failure(done, 1, rf"cannot start the cluster link on .*port {port}.*Address already in use")
    assert not (tmp_path / "run" / "node.pid").exists(), "a node that never started left its pid file"


# --- runtime tools with no daemon --------------------------------------------------------------------


@pytest.mark.parametrize(("tool", "args", "says"), NO_DAEMON_CASES)
def test_runtime_tool_with_no_daemon(tool: str, args: list[str], says: str) -> None:
    assert_clear_failure(run(tool, *args, env=NO_DAEMON), 1, says)


def test_fence_ack_manual_with_no_daemon() -> None:
    done = run("fence_ack_manual", "node2", stdin="absolutely\n", env=NO_DAEMON)
    assert_clear_failure(done, 1, r"is it running\?")
    assert "Done" not in done.out, done


def test_fence_ack_manual_without_an_answer_aborts() -> None:
    done = run("fence_ack_manual", "node2", stdin=b"\xff\xfe\x00garbage", env=NO_DAEMON)
    assert_no_traceback(done)
    assert done.code == 1 and done.out.endswith("Aborted.\n"), done


def test_runtime_tools_with_no_node_chosen_or_a_file_as_run_dir(tmp_path: Path) -> None:
    env = {"FENCELAB_RUN_DIR": ""}
    assert_clear_failure(run("fence_tool", "ls", env=env), 1, r"no node chosen: use -d RUN_DIR")
    a_file = write(tmp_path / "a_file", "x")
    assert_clear_failure(run("fence_node", "-d", a_file, "node2"), 1, r"Not a directory")


# --- fencelab emulate <kind> with bad configuration --------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "malformed",
        "unknown-key",
        "invalid-utf8",
    ],
)
@pytest.mark.parametrize("kind", EMULATORS)
def test_emulate_with_bad_toml(kind: str, case: str, tmp_path: Path) -> None:
    content, says = TOML_CASES[case]
    path = write(tmp_path / "device.toml", content)
    line = assert_clear_failure(run("fencelab", "emulate", kind, "--config", path), 2, says)
    assert path in line, f"{line!r} does not name {path}"


@pytest.mark.parametrize("kind", EMULATORS)
def test_emulate_with_unusable_config_path(kind: str, tmp_path: Path) -> None:
    paths = _unusable_paths(tmp_path)
    for path, reason in paths.values() if kind == "nps" else [paths["directory"]]:  # one loader for all
        line = assert_clear_failure(run("fencelab", "emulate", kind, "--config", path), 2, reason)
        assert path in line, line


# --- the reader of stdout goes away early ------------------------------------------------------------


@pytest.mark.parametrize(("program", "args", "says"), CLOSED_STDOUT)
def test_closed_stdout(program: str, args: list[str], says: str | None) -> None:
    done = run_with_stdout_closed(program, *args)
    assert_no_traceback(done)
    assert done.code == 1, done
    if says is None:
        assert done.err == "", done
    else:
        assert_clear_failure(done, 1, says)


@pytest.mark.parametrize(("program", "args", "code"), ECHOED_ARGUMENTS)
def test_echoed_arguments_are_escaped(program: str, args: list[str], code: int) -> None:
    done = run(program, *args)  # subprocess passes the byte 0xff itself (os.fsencode)
    assert_clear_failure(done, code, r"/tmp/\\xff\\x1b\[31m")  # assert_no_traceback: no raw ESC


def test_closed_descriptors() -> None:
    done = run("fence_nps", closed=0)  # no stdin at all: as an empty one
    assert_clear_failure(done, 1, r"Failed: You have to enter fence address")
    done = run("fence_ack_manual", "node2", closed=0, env=NO_DAEMON)
    assert_no_traceback(done)
    assert done.code == 1 and done.out.endswith("Aborted.\n"), done
    for program, args in (("ccs_config_dump", ["-f", LISTING1]), ("fence_nps", ["-o", "metadata"])):
        done = run(program, *args, closed=1)
        assert_no_traceback(done)
        assert len(problem_lines(done.err)) <= 1, done


def test_error_lines_are_counted_without_warnings_or_hint() -> None:
    err = (
        "2026-01-01 00:00:00,000 WARNING: Parse error: Ignoring unknown option 'x'\n"
        "2026-01-01 00:00:00,000 ERROR: Failed: Unrecognised action 'y'\n"
        "2026-01-01 00:00:00,000 ERROR: Please use '-h' for usage\n"
    )
    assert problem_lines(err) == ["2026-01-01 00:00:00,000 ERROR: Failed: Unrecognised action 'y'"]


# --- wrong password, the way fenced calls (stdin), with verbose output and a debug file ----------------


def test_wrong_password_is_one_line_and_never_shown(tmp_path: Path) -> None:
    with start_emulator("nps", config={"relay_delay": 0, "boot_delay": 0}) as device:
        for transport, port in (("telnet", device.port("telnet")), ("ssh", device.port("ssh"))):
            debug = tmp_path / f"{transport}.log"
            lines = [
                "action=off",
                "ip=127.0.0.1",
                f"ipport={port}",
                "login=admin",
                f"passwd={SECRET}",
                "plug=1",
                f"ssh={int(transport == 'ssh')}",
                "verbose=1",
                f"debug={debug}",
                "login_timeout=2",
            ]
            done = run("fence_nps", stdin="\n".join(lines) + "\n", deadline=15)
            assert_clear_failure(done, 1, CONNECT_FAILED, within=2 + SLACK)
            assert SECRET not in debug.read_text(), f"the password is in the debug file ({transport})"
        assert device.control({"cmd": "state"})["plugs"][0]["state"] == "on"  # nothing was switched off
