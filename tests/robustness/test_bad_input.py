"""Every console script of pyproject.toml, run as a process with bad input.

Each must say what is wrong in one line (file and line number where there is one), exit with its
documented code, within its timeout, never with a traceback, never showing a password.
Documented codes: agents 1 (docs/agent-api.md); ccs_* and confdb2ldif 1 (docs/cluster.md); cman_tool,
fence_tool, fence_node, fence_ack_manual and fencelab-node 1, 2 for usage (docs/fenced.md); fencelab 2 for
usage, and `fencelab emulate` 2 for a bad configuration (emulators/base/runner.py).
"""

from __future__ import annotations

import random
import re
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.emulator_process import start_emulator

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

AGENTS = ("fence_nps", "fence_ipmilan", "fence_ifmib", "fence_brocade")
AGENT_ALIASES = ("fence_ipmilanplus", "fence_ilo3", "fence_ilo4", "fence_ilo5", "fence_idrac", "fence_imm")
CONFIG_TOOLS = ("ccs_config_validate", "ccs_config_dump", "ccs_objctl", "confdb2ldif")
RUNTIME_TOOLS = ("cman_tool", "fence_tool", "fence_node", "fence_ack_manual")
PROGRAMS = ("fencelab", *AGENTS, *AGENT_ALIASES, *CONFIG_TOOLS, *RUNTIME_TOOLS, "fencelab-node")
EMULATORS = ("nps", "bmc", "san")
LISTING1 = str(Path(__file__).parents[1] / "cluster" / "data" / "listing1.conf")
NO_DAEMON = {"FENCELAB_RUN_DIR": "/nonexistent"}
CONNECT_FAILED = r"Unable to connect/login to fencing device"
BENCH_USAGE = "harness/bench/{ipmi,san,nps_sessions}.py use plain argparse: a usage block, then the error"
TOML_INVALID_UTF8 = "emulators.base.config.load_toml lets UnicodeDecodeError out (a traceback, exit 1)"


def config_args(tool: str, path: str, tmp: Path) -> list[str]:
    """How each configuration reader is pointed at a cluster.conf."""
    if tool == "confdb2ldif":
        return ["dc=example,dc=com", "-f", path]
    if tool == "fencelab-node":
        return ["-c", path, "-n", "node1", "--run-dir", str(tmp / "run")]
    return ["-f", path]


def agent_target(agent: str, port: int) -> list[str]:
    if agent == "fence_ifmib":
        return ["-a", "127.0.0.1", "-u", str(port), "-c", SECRET, "-n", "1"]
    plug = [] if agent == "fence_ipmilan" else ["-n", "1"]
    return ["-a", "127.0.0.1", "-u", str(port), "-l", "admin", "-p", SECRET, *plug]


# --- help --------------------------------------------------------------------------------------------


HELP_RUNS = [(p, f) for p in PROGRAMS for f in ("-h", "--help") if p not in AGENT_ALIASES or f == "-h"]


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

UNKNOWN_OPTION = [
    *[(a, [], 1, r"Parse error: option --bogus-opt not recognized") for a in AGENTS],
    *[(t, [], 1, r"unrecognized arguments: --bogus-opt") for t in CONFIG_TOOLS[:3]],
    ("confdb2ldif", ["dc=x"], 1, r"unrecognized arguments: --bogus-opt"),
    ("cman_tool", ["status"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fence_tool", ["ls"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fence_node", ["node1"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fence_ack_manual", ["node1"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fencelab-node", ["-c", "x", "-n", "y", "--run-dir", "z"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fencelab", [], 2, r"unknown command '--bogus-opt'"),
    ("fencelab", ["demo"], 2, r"fencelab demo: unrecognized arguments: --bogus-opt"),
    *[("fencelab", ["emulate", k], 2, r"unrecognized arguments: --bogus-opt") for k in EMULATORS],
    *[
        ("fencelab", ["bench", b], 2, r"unrecognized arguments: --bogus-opt")
        for b in ("metadata", "nps", "cluster")
    ],
    *[
        pytest.param(
            "fencelab",
            ["bench", b],
            2,
            r"unrecognized arguments",
            marks=pytest.mark.xfail(strict=True, reason=BENCH_USAGE),
        )
        for b in ("ipmi", "san", "nps_sessions")
    ],
]


@pytest.mark.parametrize(("program", "before", "code", "says"), UNKNOWN_OPTION)
def test_unknown_option(program: str, before: list[str], code: int, says: str) -> None:
    assert_clear_failure(run(program, *before, "--bogus-opt"), code, says)


MISSING_VALUE = [
    ("fence_nps", ["-o"], 1, r"Parse error: option -o requires argument"),
    ("fence_ipmilan", ["--ip"], 1, r"Parse error: option --ip requires argument"),
    ("fence_ifmib", ["-a"], 1, r"Parse error: option -a requires argument"),
    ("fence_brocade", ["--plug"], 1, r"Parse error: option --plug requires argument"),
    ("ccs_config_validate", ["-f"], 1, r"argument -f: expected one argument"),
    ("ccs_objctl", ["-n"], 1, r"argument -n: expected one argument"),
    ("confdb2ldif", [], 1, r"required: basedn"),
    ("cman_tool", ["status", "-d"], 2, r"argument -d/--run-dir: expected one argument"),
    ("cman_tool", ["expected", "-e", "many"], 2, r"invalid int value: 'many'"),
    ("cman_tool", ["frobnicate"], 2, r"invalid choice: 'frobnicate'"),
    ("cman_tool", ["leave", "remvoe"], 2, r"unexpected argument 'remvoe' for leave"),
    ("cman_tool", ["status", "now"], 2, r"unexpected argument 'now' for status"),
    ("cman_tool", ["join", "-t", "nan"], 2, r"argument -t: 'nan' is not a number of seconds above 0"),
    ("fence_node", ["-t", "-5", "node1"], 2, r"argument -t: '-5' is not a number of seconds above 0"),
    ("fence_tool", [], 2, r"required: command"),
    ("fence_node", ["-t", "soon", "node1"], 2, r"argument -t: 'soon' is not a number of seconds"),
    ("fence_ack_manual", [], 2, r"a node name is required"),
    ("fencelab-node", ["-c"], 2, r"argument -c/--config: expected one argument"),
    ("fencelab-node", ["-c", LISTING1, "-n", "iscsi1", "--run-dir", "/tmp", "-p", "70000"], 2, r"not a port"),
    (
        "fence_ipmilan",
        ["-o", "status", "-a", "127.0.0.1", "-l", "a", "-p", SECRET, "-u", "70000"],
        1,
        r"not a port",
    ),
    ("fence_ifmib", ["-o", "status", "-a", "127.0.0.1", "-c", "x", "-n", "1", "-u", "0"], 1, r"not a port"),
    ("fencelab", ["emulate"], 2, r"choose a device: nps, bmc, san"),
    ("fencelab", ["emulate", "toaster"], 2, r"choose a device"),
    ("fencelab", ["bench", "toaster"], 2, r"unknown benchmark 'toaster'"),
    ("fencelab", ["bench", "timing"], 2, r"unknown benchmark 'timing'"),  # a helper module, no main
    ("fencelab", ["emulate", "bmc", "--port", "x"], 2, r"argument --port: invalid int value: 'x'"),
    ("fencelab", ["emulate", "nps", "--config"], 2, r"argument --config: expected one argument"),
]


@pytest.mark.parametrize(("program", "args", "code", "says"), MISSING_VALUE)
def test_missing_or_bad_value(program: str, args: list[str], code: int, says: str) -> None:
    assert_clear_failure(run(program, *args), code, says)


def test_fencelab_without_a_command_prints_usage_and_exits_2() -> None:
    done = run("fencelab")
    assert_no_traceback(done)
    assert done.code == 2 and done.out.startswith("usage: fencelab"), done


# --- agents: garbage on stdin ----------------------------------------------------------------------

_noise = random.Random(20261125)
BINARY = bytes(_noise.randrange(256) for _ in range(4000))
STDIN_CASES = {
    "empty": (b"", r"Failed: You have to "),
    "binary": (BINARY, r"Failed: You have to "),
    "nul": (
        b"action=status\nip=127.0.0.1\x00\nplug=1\nlogin=admin\npasswd=" + SECRET.encode(),
        r"You have to ",
    ),
    "invalid-utf8": (b"action=st\xff\xfeatus\nip=127.0.0.1\n", r"Unrecognised action 'st\\xff\\xfeatus'"),
    "huge-line": (b"x" * 2_000_000 + b"\naction=explode\n", r"Unrecognised action 'explode'"),
    "many-lines": (b"junk\n" * 100_000 + b"action=explode\n", r"Unrecognised action 'explode'"),
    "control-chars": (b"action=\x1b[31mred\x07\n", r"Unrecognised action '\\x1b\[31mred\\x07'"),
}


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
        (["-S", str(tmp_path / "missing_script")], r"Failed: Password script exited with status 127"),
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


@pytest.mark.xfail(
    strict=True,
    reason="fence_ifmib SNMPv3 at a closed port: 'Connection timed out' after login_timeout + shell_timeout, "
    "not 'Unable to connect/login' within login_timeout (fence_agents/transports/snmp.py)",
)
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

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)
    )
    + ']>\n<cluster name="&lol9;" config_version="1"/>\n'
)
BAD_CONFS: dict[str, tuple[bytes, int | None, str]] = {  # content, line named, words
    "truncated": (
        b'<?xml version="1.0"?>\n<cluster name="a" config_version="1">\n<clusternodes>\n',
        4,
        "malformed",
    ),
    "wrong-root": (b'<?xml version="1.0"?>\n<notcluster/>\n', 2, "root element must be <cluster>"),
    "billion-laughs": (BILLION_LAUGHS.encode(), 3, "entity declarations are not allowed"),
    "external-entity": (
        b'<?xml version="1.0"?>\n<!DOCTYPE c [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n'
        b'<cluster name="&x;" config_version="1"/>\n',
        3,
        "entity declarations are not allowed",
    ),
    "too-deep": (
        b'<?xml version="1.0"?>\n<cluster name="a" config_version="1">'
        + b"<rm>" * 400
        + b"</rm>" * 400
        + b"</cluster>",
        2,
        "Excessive depth in document",
    ),
    "not-xml": (b"this is not XML at all\n", 1, "malformed XML"),
    "empty": (b"", 1, "malformed XML"),
    "binary": (BINARY, 1, "malformed XML"),
    "invalid-utf8": (
        b'<?xml version="1.0"?>\n<cluster name="\xff\xfe" config_version="1"/>\n',
        2,
        "malformed",
    ),
}


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


READER_CASES = [
    (t, c) for t in ("ccs_config_dump", "ccs_objctl", "confdb2ldif", "fencelab-node") for c in BAD_CONFS
]
QUICK_READER_CASES = [
    (t, c) for t, c in READER_CASES if t == "ccs_config_dump" or c in ("truncated", "billion-laughs")
]


@pytest.mark.parametrize(("tool", "case"), QUICK_READER_CASES)
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


@pytest.mark.parametrize("tool", [*CONFIG_TOOLS, "fencelab-node"])
def test_config_readers_on_unusable_paths(tool: str, tmp_path: Path) -> None:
    for path, reason in _unusable_paths(tmp_path).values():
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
    assert_clear_failure(done, 1, r"^cluster.node: Not a directory: " + re.escape(a_file))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", 0))
        port = str(taken.getsockname()[1])
        done = run("fencelab-node", *node, "--run-dir", str(tmp_path / "run"), "-p", port)
    assert_clear_failure(done, 1, rf"cannot start the cluster link on .*port {port}.*Address already in use")
    assert not (tmp_path / "run" / "node.pid").exists(), "a node that never started left its pid file"


# --- runtime tools with no daemon --------------------------------------------------------------------

NO_DAEMON_CASES = [
    ("cman_tool", ["status"], r"Cannot open connection to cman, is it running \?"),
    *[("cman_tool", c, r"is it running\?") for c in (["nodes"], ["version"], ["version", "-r"], ["leave"])],
    ("cman_tool", ["expected", "-e", "2"], r"is it running\?"),
    ("cman_tool", ["kill", "-n", "node2"], r"is it running\?"),
    ("fence_tool", ["ls"], r"is it running\?"),
    ("fence_tool", ["history"], r"is it running\?"),
    ("fence_node", ["node2"], r"is it running\?"),
    ("fence_node", ["-U", "node2"], r"is it running\?"),
]


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

TOML_CASES = {
    "malformed": (b"plugs = [1,\n x\n", r"Invalid value \(at line 2"),
    "unknown-key": (b"no_such_key = 1\n", r"unknown key 'no_such_key'"),
    "invalid-utf8": (b"name = '\xff\xfe'\n", r""),
}


@pytest.mark.parametrize(
    "case",
    [
        "malformed",
        "unknown-key",
        pytest.param("invalid-utf8", marks=pytest.mark.xfail(strict=True, reason=TOML_INVALID_UTF8)),
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

CLOSED_STDOUT = [
    *[(a, ["-o", "metadata"], r"Standard output was closed") for a in AGENTS],
    ("fence_ilo3", ["-h"], r"Standard output was closed"),
    ("fence_brocade", ["-o", "manpage"], r"Standard output was closed"),
    ("ccs_config_dump", ["-f", LISTING1], None),
    ("ccs_objctl", ["-f", LISTING1, "-n", "iscsi1"], None),
    ("confdb2ldif", ["dc=example,dc=com", "-f", LISTING1, "-n", "iscsi1"], None),
    ("fence_ack_manual", ["node2"], None),
    ("fencelab", ["-h"], None),
]


@pytest.mark.parametrize(("program", "args", "says"), CLOSED_STDOUT)
def test_closed_stdout(program: str, args: list[str], says: str | None) -> None:
    done = run_with_stdout_closed(program, *args)
    assert_no_traceback(done)
    assert done.code == 1, done
    if says is None:
        assert done.err == "", done
    else:
        assert_clear_failure(done, 1, says)


NASTY = "/tmp/\udcff\x1b[31m"  # an undecodable byte (as Python hands argv over) and a terminal escape
ECHOED_ARGUMENTS = [
    ("ccs_config_dump", ["-f", NASTY], 1),
    ("confdb2ldif", [NASTY], 1),
    ("fence_node", ["-t", NASTY, "node1"], 2),
    ("fencelab-node", ["-c", "x", "-n", "y", "--run-dir", "z", "-p", NASTY], 2),
    ("fencelab", [NASTY], 2),
    ("fence_nps", ["-o", NASTY], 1),
]


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
