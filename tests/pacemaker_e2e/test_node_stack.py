"""The node's program (harness.pacemaker.node_stack) says in one line why a node's stack did not start; run
in a private mount and network namespace (unshare), so nothing it mounts or starts reaches the host."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import need_stack

pytestmark = pytest.mark.interop


def run_stack(setup: dict[str, object], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "setup.json"
    path.write_text(json.dumps(setup))
    argv = ["unshare", "--mount", "--net", "--propagation", "private", "--",
            sys.executable, "-m", "harness.pacemaker.node_stack", str(path)]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def test_a_directory_that_cannot_be_mounted_is_one_line(tmp_path: Path) -> None:
    need_stack()
    done = run_stack({"binds": {str(tmp_path / "missing"): "/etc/corosync"}}, tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("node_stack: mount --bind ") and done.stderr.count("\n") == 1, done.stderr


def test_a_corosync_that_exits_while_starting_is_one_line(tmp_path: Path) -> None:
    need_stack()
    etc = tmp_path / "etc-corosync"
    etc.mkdir()
    (etc / "corosync.conf").write_text("totem {\n  version: 2\n  this is not corosync.conf\n")
    done = run_stack({"binds": {str(etc): "/etc/corosync"}, "timeout": 20}, tmp_path)
    assert done.returncode == 1
    assert "node_stack: corosync exited " in done.stderr and "while starting" in done.stderr, done.stderr
