"""Stock fence_wti is the referee: for input the framework rejects or accepts before touching a device,
ours prints the same messages (timestamps aside) and exits with the same code."""

from __future__ import annotations

import io
import re
import subprocess

import pytest

from core.dummy_agent import FakeClock, MemoryDevice, memory_spec
from fence_agents.main import run
from harness.pytest_plugin import require_tool

pytestmark = pytest.mark.interop
WTI_LIKE = memory_spec(
    MemoryDevice(clock=FakeClock()),
    name="fence_wti",
    uses=("ipaddr", "login", "passwd", "cmd_prompt", "secure", "port", "ssh_path", "telnet_path"),
    defaults={"login_timeout": "10"},
)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (\w+): (.*)$")
ROOT_FORMAT = re.compile(r"^(\w+):root:(.*)$")  # upstream logs some lines before its handlers exist


def messages(stderr: str) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    for line in stderr.splitlines():
        m = TIMESTAMP.match(line) or ROOT_FORMAT.match(line)
        if m and (m.group(1), m.group(2).strip()) not in seen:
            seen.append((m.group(1), m.group(2).strip()))
    return seen


CASES = {
    "no address": (["-n", "1", "-o", "status"], None),
    "no plug": (["-a", "h", "-o", "status"], None),
    "unknown flag": (["--bogus"], None),
    "missing value": (["-a"], None),
    "bad seconds": (["-a", "h", "-n", "1", "--power-timeout", "x", "-o", "status"], None),
    "bad integer": (["-a", "h", "-n", "1", "--retry-on", "x", "-o", "status"], None),
    "bad port": (["-a", "h", "-n", "1", "-u", "x", "-o", "status"], None),
    "unknown action": (["-a", "h", "-n", "1", "-o", "bogus"], None),
    "identity file missing": (["-a", "h", "-n", "1", "-x", "-k", "/nonexistent/key", "-o", "status"], None),
    "identity file without ssh": (["-a", "h", "-n", "1", "-k", "/etc/hostname", "-o", "status"], None),
    "validate-all fails": (["-a", "h", "-o", "validate-all"], None),
    "validate-all passes": (["-a", "h", "-n", "1", "-o", "validate-all"], None),
    "stdin no plug": ([], "ip=h\naction=status\n"),
    "stdin unknown key": ([], "ip=h\nport=1\nfoo=bar\naction=validate-all\n"),
    "stdin bad boolean": ([], "ip=h\nport=1\nssh=maybe\naction=validate-all\n"),
    "stdin bad verbose level": ([], "ip=h\nport=1\nverbose_level=x\naction=validate-all\n"),
    "stdin port wins over nodename": ([], "nodename=n1\nip=h\nport=1\naction=validate-all\n"),
    "stdin quotes and comments": ([], '# fenced\nip="h"\n\nplug="2"\naction=validate-all\n'),
}


@pytest.mark.parametrize("case", CASES)
def test_same_messages_and_exit_code_as_fence_wti(case: str) -> None:
    wti = require_tool("fence_wti")
    argv, stdin = CASES[case]
    stock = subprocess.run(
        [wti, *argv], input=stdin or "", capture_output=True, text=True, timeout=30, check=False
    )
    out, err = io.StringIO(), io.StringIO()
    code = run(
        WTI_LIKE, argv, io.StringIO(stdin or ""), prog="fence_wti", stdout=out, stderr=err, clock=FakeClock()
    )
    assert code == stock.returncode
    assert out.getvalue() == stock.stdout
    assert messages(err.getvalue()) == messages(stock.stderr)


def test_same_help_text_as_fence_wti() -> None:
    """Same options, order and words; only line wrapping may differ (upstream pads one entry by hand)."""
    wti = require_tool("fence_wti")
    stock = subprocess.run([wti, "-h"], capture_output=True, text=True, timeout=30, check=False)
    out = io.StringIO()
    assert run(WTI_LIKE, ["-h"], prog="fence_wti", stdout=out, stderr=io.StringIO()) == stock.returncode == 0
    assert without_disable_timeout(out.getvalue().split()) == without_disable_timeout(stock.stdout.split())


def without_disable_timeout(words: list[str]) -> list[str]:
    """The words of -h minus the --disable-timeout entry's text, which says what our agents do (Pacemaker
    does not imply it; docs/agent-api.md, Decisions)."""
    start = next(i for i, w in enumerate(words) if w.startswith("--disable-timeout"))
    end = next(i for i in range(start + 1, len(words)) if words[i].startswith("-"))
    return words[: start + 1] + words[end:]
