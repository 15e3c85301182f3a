"""Running a program for the demo's timeline: a fence agent the way a fencer does (key=value lines on stdin,
secrets shown as ***), and its one-line answer."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from harness.timeline import Timeline
from harness.tools import our_tool

SECRET_KEYS = ("passwd", "password", "community", "snmp_priv_passwd")
_LOG_STAMP = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ "
)  # the agent's log prefix; the timeline has its own


@dataclass(frozen=True)
class AgentCall:
    rc: int
    said: str  # the line the timeline shows: the result on stdout, else why it failed (stderr)


def shown_stdin(stdin_lines: Sequence[str]) -> str:
    """The stdin as the timeline prints it: every secret value replaced by ***."""
    return " ".join(
        f"{line.split('=', 1)[0]}=***" if line.split("=", 1)[0] in SECRET_KEYS else line
        for line in stdin_lines
    )


def fence_call(timeline: Timeline, agent: str, stdin_lines: Sequence[str], who: str = "fenced") -> AgentCall:
    """Run an agent the way fenced does (no arguments, key=value on stdin) and put it on the timeline."""
    timeline.add(who, f"runs {agent} <<< {shown_stdin(stdin_lines)}")
    proc = subprocess.run(
        [our_tool(agent)], input="\n".join(stdin_lines) + "\n", capture_output=True, text=True, timeout=60
    )
    # the result line is on stdout; failures say why on stderr (fenced's extra keys only warn there)
    said = proc.stdout.strip().splitlines() or [
        _LOG_STAMP.sub("", line) for line in proc.stderr.strip().splitlines() if "Parse error" not in line
    ]
    last = said[-1] if said else "(no output)"
    timeline.add(agent, f"exit {proc.returncode}: {last}")
    return AgentCall(proc.returncode, last)
