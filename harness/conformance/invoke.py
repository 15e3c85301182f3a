"""Calling a fence agent as fenced, Pacemaker or a person does: short flags, long flags or stdin key=value.

The flags come from the agent's own metadata (``<getopt mixed="-a, --ip=[ip]"/>``), so any agent, ours or
stock, is driven by what it says it accepts. While an agent runs, its process tree's command lines are
sampled, so the secrets check sees what ``ps`` would have shown (an agent that hands the password to a child
program on its command line leaks it to every user of the machine).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

STYLES = ("short", "long", "stdin")
_GETOPT = re.compile(r"^(?:-(?P<short>\w)(?:, )?)?(?:--(?P<long>[\w-]+))?(?P<arg>=\[)?")


@dataclass(frozen=True)
class Param:
    name: str
    short: str | None
    long: str | None
    takes_value: bool
    kind: str
    default: str | None
    deprecated: bool


@dataclass
class Metadata:
    xml: str
    params: dict[str, Param]
    actions: list[str]

    def flag_for(self, name: str) -> Param | None:
        return self.params.get(name)


def parse_metadata(xml: str) -> Metadata:
    root = etree.fromstring(xml.encode())
    params = {}
    for p in root.iter("parameter"):
        getopt = p.find("getopt")
        content = p.find("content")
        match = _GETOPT.match(getopt.get("mixed", "")) if getopt is not None else None
        params[p.get("name", "")] = Param(
            name=p.get("name", ""),
            short=match.group("short") if match else None,
            long=match.group("long") if match else None,
            # a value shown in getopt (--ip=[ip]) or any non-boolean: stock's --verbose-level shows none
            takes_value=bool(match and match.group("arg"))
            or (content is not None and content.get("type", "string") != "boolean"),
            kind=content.get("type", "string") if content is not None else "string",
            default=content.get("default") if content is not None else None,
            deprecated=p.get("deprecated") == "1",
        )
    actions = [a.get("name", "") for a in root.iter("action")]
    return Metadata(xml, params, actions)


def read_metadata(
    agent: str, timeout: float = 20.0
) -> tuple[subprocess.CompletedProcess[str], Metadata | None]:
    out = subprocess.run([agent, "-o", "metadata"], capture_output=True, text=True, timeout=timeout)
    try:
        return out, parse_metadata(out.stdout) if out.returncode == 0 else None
    except etree.XMLSyntaxError:
        return out, None


def argv_for(meta: Metadata, options: Mapping[str, str], style: str) -> tuple[list[str], str]:
    """(extra argv, stdin text) for these options in this style; names the agent lacks raise KeyError."""
    if style == "stdin":
        return [], "".join(f"{k}={v}\n" for k, v in options.items())
    argv: list[str] = []
    for name, value in options.items():
        param = meta.params.get(name)
        if param is None:
            raise KeyError(name)
        flag = f"-{param.short}" if style == "short" and param.short else f"--{param.long or name}"
        if not param.takes_value:
            if value not in ("0", "off", "false", ""):
                argv.append(flag)
        elif flag.startswith("--"):
            argv.append(f"{flag}={value}")
        else:
            argv += [flag, value]
    return argv, ""


@dataclass
class Run:
    argv: list[str]
    code: int | None  # None: it did not finish within the deadline and was killed
    stdout: str
    stderr: str
    seconds: float
    cmdlines: set[str] = field(default_factory=set)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _tree(root: int) -> list[int]:
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                todo += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return pids


def run_agent(
    agent: str,
    argv: Sequence[str],
    stdin: str = "",
    deadline: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> Run:
    """Run the agent to completion (or kill it at the deadline), sampling its process tree's argv."""
    start = time.monotonic()
    proc = subprocess.Popen(
        [agent, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(env) if env is not None else None, start_new_session=True,
    )  # fmt: skip
    seen: set[str] = set()
    done = threading.Event()

    def sample() -> None:  # every few ms: short-lived helpers (ipmitool, telnet) show up too
        while not done.is_set():
            for pid in _tree(proc.pid):
                try:
                    seen.add(
                        Path(f"/proc/{pid}/cmdline")
                        .read_bytes()
                        .replace(b"\0", b" ")
                        .decode(errors="replace")
                    )
                except OSError:
                    pass
            done.wait(0.003)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(stdin, timeout=deadline)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        out, err = proc.communicate()
        code = None
    done.set()
    sampler.join()
    return Run([agent, *argv], code, out, err, time.monotonic() - start, seen)
