"""The bad inputs of test_bad_input.py: which program, what input, which exit code, which words."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from .support import SECRET

AGENTS = ("fence_nps", "fence_ipmilan", "fence_ifmib", "fence_brocade")
AGENT_ALIASES = ("fence_ipmilanplus", "fence_ilo3", "fence_ilo4", "fence_ilo5", "fence_idrac", "fence_imm")
CONFIG_TOOLS = ("ccs_config_validate", "ccs_config_dump", "ccs_objctl", "confdb2ldif")
RUNTIME_TOOLS = ("cman_tool", "fence_tool", "fence_node", "fence_ack_manual")
PROGRAMS = (
    "fencelab",
    *AGENTS,
    *AGENT_ALIASES,
    *CONFIG_TOOLS,
    "rhcs_schema",
    *RUNTIME_TOOLS,
    "fencelab-node",
    "rg_test",
)
EMULATORS = ("nps", "bmc", "san")
LISTING1 = str(Path(__file__).parents[1] / "cluster" / "data" / "listing1.conf")
NO_DAEMON = {"FENCELAB_RUN_DIR": "/nonexistent"}
CONNECT_FAILED = r"Unable to connect/login to fencing device"


def config_args(tool: str, path: str, tmp: Path) -> list[str]:
    """How each configuration reader is pointed at a cluster.conf."""
    if tool == "confdb2ldif":
        return ["dc=example,dc=com", "-f", path]
    if tool == "fencelab-node":
        return ["-c", path, "-n", "node1", "--run-dir", str(tmp / "run")]
    if tool == "rg_test":
        return ["test", path]
    return ["-f", path]


def agent_target(agent: str, port: int) -> list[str]:
    if agent == "fence_ifmib":
        return ["-a", "127.0.0.1", "-u", str(port), "-c", SECRET, "-n", "1"]
    plug = [] if agent == "fence_ipmilan" else ["-n", "1"]
    return ["-a", "127.0.0.1", "-u", str(port), "-l", "admin", "-p", SECRET, *plug]


UNKNOWN_OPTION = [
    *[(a, [], 1, r"Parse error: option --bogus-opt not recognized") for a in AGENTS],
    *[(t, [], 1, r"unrecognized arguments: --bogus-opt") for t in CONFIG_TOOLS[:3]],
    ("confdb2ldif", ["dc=x"], 1, r"unrecognized arguments: --bogus-opt"),
    ("rhcs_schema", [], 1, r"unrecognized arguments: --bogus-opt"),
    ("cman_tool", ["status"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fence_tool", ["ls"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fence_node", ["node1"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fence_ack_manual", ["node1"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fencelab-node", ["-c", "x", "-n", "y", "--run-dir", "z"], 2, r"unrecognized arguments: --bogus-opt"),
    ("fencelab", [], 2, r"unknown command '--bogus-opt'"),
    ("rg_test", [], 1, r"unknown command or agent directory: --bogus-opt"),
    ("fencelab", ["demo"], 2, r"fencelab demo: unrecognized arguments: --bogus-opt"),
    ("fencelab", ["pacemaker", "translate", "x"], 2, r"pacemaker: unrecognized arguments: --bogus-opt"),
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
        )
        for b in ("ipmi", "san", "nps_sessions")
    ],
]


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
        "fencelab-node",
        ["-c", LISTING1, "-n", "iscsi1", "--run-dir", "/tmp", "--agent-timeout", "nan"],
        2,
        r"argument --agent-timeout: 'nan' is not a number of seconds above 0",
    ),
    (
        "fence_ipmilan",
        ["-o", "status", "-a", "127.0.0.1", "-l", "a", "-p", SECRET, "-u", "70000"],
        1,
        r"not a port",
    ),
    ("fence_ifmib", ["-o", "status", "-a", "127.0.0.1", "-c", "x", "-n", "1", "-u", "0"], 1, r"not a port"),
    ("fencelab", ["emulate"], 2, r"choose a device: nps, bmc, san"),
    ("fencelab", ["pacemaker", "translate", "x", "--out"], 2, r"argument --out: expected one argument"),
    ("fencelab", ["pacemaker", "frobnicate"], 2, r"invalid choice: 'frobnicate'"),
    ("fencelab", ["emulate", "toaster"], 2, r"choose a device"),
    ("fencelab", ["bench", "toaster"], 2, r"unknown benchmark 'toaster'"),
    ("fencelab", ["bench", "timing"], 2, r"unknown benchmark 'timing'"),  # a helper module, no main
    ("fencelab", ["emulate", "bmc", "--port", "x"], 2, r"argument --port: invalid int value: 'x'"),
    ("fencelab", ["emulate", "nps", "--config"], 2, r"argument --config: expected one argument"),
]

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

TOML_CASES = {
    "malformed": (b"plugs = [1,\n x\n", r"Invalid value \(at line 2"),
    "unknown-key": (b"no_such_key = 1\n", r"unknown key 'no_such_key'"),
    "invalid-utf8": (b"name = '\xff\xfe'\n", r"not UTF-8 text \(byte 8\)"),
}

CLOSED_STDOUT = [
    ("fence_nps", ["-o", "metadata"], r"Standard output was closed"),  # one framework for all agents
    ("fence_ilo3", ["-h"], r"Standard output was closed"),
    ("fence_brocade", ["-o", "manpage"], r"Standard output was closed"),
    ("ccs_config_dump", ["-f", LISTING1], None),
    ("ccs_objctl", ["-f", LISTING1, "-n", "iscsi1"], None),
    ("confdb2ldif", ["dc=example,dc=com", "-f", LISTING1, "-n", "iscsi1"], None),
    ("fence_ack_manual", ["node2"], None),
    ("fencelab", ["-h"], None),
]

NASTY = "/tmp/\udcff\x1b[31m"  # an undecodable byte (as Python hands argv over) and a terminal escape
ECHOED_ARGUMENTS = [
    ("ccs_config_dump", ["-f", NASTY], 1),
    ("confdb2ldif", [NASTY], 1),
    ("fence_node", ["-t", NASTY, "node1"], 2),
    ("fencelab-node", ["-c", "x", "-n", "y", "--run-dir", "z", "-p", NASTY], 2),
    ("fencelab", [NASTY], 2),
    ("fence_nps", ["-o", NASTY], 1),
]
