"""README's tour and docs/walkthrough.md work as written: each is also a script in examples/ (every command
the page shows is a line of it), and the script runs to the end on this machine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.lab import free_udp_port
from harness.pytest_plugin import require_tool
from harness.tools import pid_running

CHECKOUT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent  # .venv/bin/python -> .venv
TRAILING_COMMENT = re.compile(r"\s{2,}#.*$")


def shown_commands(page: Path, first_heading: str) -> list[str]:
    """The command lines a page shows from ``first_heading`` on: 4-space indented blocks and ```sh blocks."""
    text = page.read_text()
    text = text[text.index(first_heading) :]
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.startswith("```"):
            fenced = line.strip() == "```sh" if not fenced else False
            continue
        if fenced:
            lines.append(line)
        elif line.startswith("    ") and not line.startswith("     "):
            lines.append(line[4:])
    return [TRAILING_COMMENT.sub("", line).rstrip() for line in lines if line.strip()]


def script_lines(script: Path) -> set[str]:
    return {TRAILING_COMMENT.sub("", line).rstrip() for line in script.read_text().splitlines()}


def sandbox(tmp_path: Path) -> Path:
    """A directory that looks like the checkout to the scripts (.venv and examples), so the files they
    write (print-password, ready files) stay out of the real one."""
    (tmp_path / ".venv").symlink_to(VENV)
    (tmp_path / "examples").symlink_to(CHECKOUT / "examples")
    return tmp_path


def test_readme_tour_commands_are_the_tour_script() -> None:
    shown = shown_commands(CHECKOUT / "README.md", "## A short tour")
    assert len(shown) > 15
    assert [line for line in shown if line not in script_lines(CHECKOUT / "examples" / "tour.sh")] == []


def test_walkthrough_commands_are_the_walkthrough_script() -> None:
    shown = shown_commands(CHECKOUT / "docs" / "walkthrough.md", "## 1.")
    commands = [line for line in shown if not line.startswith(("time ", "2026-", "... "))]  # sample output
    assert len(commands) > 15
    missing = [
        line for line in commands if line not in script_lines(CHECKOUT / "examples" / "walkthrough.sh")
    ]
    assert missing == []


@pytest.mark.interop
def test_tour_script_runs(tmp_path: Path) -> None:
    for tool in ("fence_wti", "ipmitool", "snmpget"):
        require_tool(tool)
    done = subprocess.run(
        ["bash", str(CHECKOUT / "examples" / "tour.sh")], cwd=sandbox(tmp_path), capture_output=True,
        text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "Status: ON\n" in out and "Success: Powered OFF\n" in out and "Configuration validates\n" in out
    assert "Chassis Power is on" in out and "INTEGER: 1" in out and "fence_wti" in out
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob("*.pid"))  # every device stopped


def test_walkthrough_script_runs_and_fences_node3(tmp_path: Path) -> None:
    work = tmp_path / "lab"
    port = str(free_udp_port(["127.0.0.1", "127.0.0.2", "127.0.0.3"]))
    env = {**os.environ, "DIR": str(work), "CMAN_PORT": port}
    done = subprocess.run(
        ["bash", str(CHECKOUT / "examples" / "walkthrough.sh")], cwd=sandbox(tmp_path), env=env,
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pids = [int(p.read_text()) for p in work.glob("node*/node.pid") if p.read_text().strip().isdigit()]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "Configuration validates\n" in out and "Nodes: 3\n" in out
    assert re.search(r"node3 +1 +nps +success", out), out
    assert "fence node3 success" in out
    assert re.search(r"^ +3 +X ", out, re.M)  # node3 dead in the last `cman_tool nodes`
    assert not [p for p in pids if pid_running(p)]  # the script left nothing running
