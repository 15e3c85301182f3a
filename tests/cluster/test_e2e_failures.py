"""End to end: every way a fence call can fail, and what fenced does next.

Agents are real executables: small scripts (exit 1, hang) and the real fence_nps against the emulated NPS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for
from harness.tools import run

pytestmark = pytest.mark.slow


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def failing_then_nps(nodeid: int) -> str:
    if nodeid != 3:
        return f'<method name="1"><device name="nps" port="{nodeid}"/></method>'
    return (
        '<method name="exit1"><device name="broken" port="3"/></method>'
        '<method name="hang"><device name="hanging"/></method>'
        '<method name="missing"><device name="absent"/></method>'
        '<method name="power"><device name="nps" port="3"/></method>'
    )


def test_exit_1_then_hang_then_missing_agent_then_fence_nps(tmp_path: Path) -> None:
    seen = tmp_path / "broken.stdin"
    broken = script(
        tmp_path / "fence_broken", f'echo "argc=$#" > {seen}; cat >> {seen}; echo nope >&2; exit 1\n'
    )
    hanging = script(tmp_path / "fence_hanging", "sleep 60\n")
    devices = (
        f'<fencedevice name="broken" agent="{broken}" ipaddr="10.0.0.9" passwd="topsecret"/>'
        f'<fencedevice name="hanging" agent="{hanging}"/>'
        '<fencedevice name="absent" agent="fence_not_installed_anywhere"/>'
    )
    lab = ClusterLab(
        tmp_path / "lab", token_ms=400, fence=failing_then_nps, extra_devices=devices, agent_timeout=1.0
    )
    with lab:
        lab.wait_up()
        old = lab.pid(3)
        assert old is not None
        os.kill(old, signal.SIGKILL)
        wait_for("node3 fenced", lambda: [r for r in lab.history(1, "node3") if r["result"] == "success"], 20)
        results = [(r["method"], r["device"], r["result"]) for r in lab.history(1, "node3")]
        assert results == [
            ("exit1", "broken", "error"),
            ("hang", "hanging", "timeout"),
            ("missing", "absent", "missing"),
            ("power", "nps", "success"),
        ]
        # exactly fenced's call: no arguments, device attrs, nodename, fencedevice attrs, no action
        assert seen.read_text() == (
            f"argc=0\nport=3\nnodename=node3\nagent={broken}\nipaddr=10.0.0.9\npasswd=topsecret\n"
        )
        log = lab.fence_log(1)
        assert "fence node3 dev 0.0 agent " + str(broken) + " result: error from agent" in log
        assert "fence node3 dev 1.0 agent " + str(hanging) + " result: timeout from agent" in log
        assert "result: error: " not in log  # a missing agent is reported as such
        assert "fence node3 dev 2.0 agent fence_not_installed_anywhere result: missing from agent" in log
        assert "agent fence_not_installed_anywhere: agent fence_not_installed_anywhere not found" in log
        assert "topsecret" not in log
        assert not _running("fence_hanging")  # the hung agent's process group was killed
        lab.wait_members([1, 2, 3], [1, 2, 3], 15)


def _running(name: str) -> bool:
    out = subprocess.run(["pgrep", "-f", name], capture_output=True, text=True, check=False)
    return bool(out.stdout.strip())


def only_broken(nodeid: int) -> str:
    device = "broken" if nodeid == 3 else "nps"
    return f'<method name="1"><device name="{device}" port="{nodeid}"/></method>'


def test_all_methods_fail_retry_then_manual_override(tmp_path: Path) -> None:
    broken = script(tmp_path / "fence_always_fails", "exit 1\n")
    lab = ClusterLab(
        tmp_path / "lab",
        token_ms=400,
        fence=only_broken,
        extra_devices=f'<fencedevice name="broken" agent="{broken}"/>',
        fence_daemon={"override_time": "1"},
    )
    with lab:
        lab.wait_up()
        old = lab.pid(3)
        assert old is not None
        os.kill(old, signal.SIGKILL)
        wait_for("two failed rounds", lambda: len(lab.history(1, "node3")) >= 2, 20)
        ls = lab.ask(1, "fence_ls")["domain"]
        assert (ls["victim_count"], ls["wait_state"]) == (1, "fencing")
        assert not lab.ask(1, "wait_fenced", node="node3", seconds=0.2)["fenced"]
        wait_for(
            "the second wait", lambda: "fence node3: waiting 2s for fence_ack_manual" in lab.fence_log(1), 5
        )
        assert "fence node3: waiting 1s for fence_ack_manual, then retrying" in lab.fence_log(1)
        env = {"FENCELAB_RUN_DIR": str(lab.run_dir(2))}  # any member may acknowledge
        out = run(
            [sys.executable, "-m", "cluster.tools.fence_ack_manual", "node3"],
            stdin="absolutely\n",
            env=env,
            timeout=30,
        )
        assert out.returncode == 0 and out.stdout.endswith("Continue [NO/absolutely]? Done\n"), out.stderr
        assert lab.ask(1, "wait_fenced", node="node3", seconds=5, timeout=10)["fenced"]
        assert lab.history(1, "node3")[-1]["result"] == "override"
        assert lab.ask(1, "fence_ls")["domain"]["victim_count"] == 0
