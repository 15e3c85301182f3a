"""`fencelab lab up CONF`: a cluster.conf with IPMI and NPS methods becomes a running lab of machines whose
devices accept the conf's credentials; killing a node gets it fenced by its first method; `lab down` leaves
nothing behind (root: nodes are machines)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cluster.daemon.control import ControlError, request
from harness.namespaces import NETNS_DIR
from harness.pytest_plugin import in_ci
from harness.tools import pid_running
from harness.waiting import wait_for

DATA = Path(__file__).parent / "data"


def fencelab(*args: str) -> list[str]:
    return [sys.executable, "-m", "harness.cli", *args]


@pytest.fixture
def root() -> None:
    """Machine labs need root: fail under CI, skip elsewhere."""
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("machine labs need root (CI runs as root)")
        pytest.skip("machine labs need root")


def test_lab_up_runs_the_conf_fences_by_its_first_method_and_lab_down_removes_all(
    root: None, tmp_path: Path
) -> None:
    lab_dir, ready = tmp_path / "lab", tmp_path / "ready.json"

    def made_by(pid: int) -> set[str]:  # the lab's namespaces carry its pid; other runs have their own
        return {n for n in os.listdir(NETNS_DIR) if f"-{pid}-" in n} if NETNS_DIR.is_dir() else set()

    conf = str(DATA / "two_methods.conf")
    up = subprocess.Popen(
        fencelab("lab", "up", conf, "--dir", str(lab_dir), "--ready-file", str(ready)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for("the lab's ready file", ready.exists, 90)
        info = json.loads(ready.read_text())
        assert info["machines"] and [n["address"] for n in info["nodes"]] == [
            "192.0.2.1",
            "192.0.2.2",
            "192.0.2.3",
        ]
        assert {d["name"]: d["kind"] for d in info["devices"]}["ipmi3"] == "bmc"
        written = (lab_dir / "cluster.conf").read_text()
        assert 'passwd="calvin"' in written and "10.1.1.13" not in written  # the emulator's address
        node3 = next(n for n in info["nodes"] if n["name"] == "node3")
        os.kill(node3["pid"], signal.SIGKILL)  # node3's daemon dies; the survivors fence it with IPMI

        def fenced() -> list[dict[str, str]]:
            history = request(Path(info["nodes"][0]["run_dir"]), "fence_history", timeout=2, node="node3")
            return [r for r in history["history"] if r.get("result") == "success"]

        [record] = wait_for("node3 fenced", fenced, 40, retry_on=(ControlError, OSError))
        assert record.get("method") in ("ipmi", None) or "ipmi" in json.dumps(record)
        pids = [n["pid"] for n in info["nodes"]] + [d["pid"] for d in info["devices"]]
        down = subprocess.run(fencelab("lab", "down", "--dir", str(lab_dir)), capture_output=True, text=True,
                              timeout=60)  # fmt: skip
        assert down.returncode == 0, down.stderr
        assert up.wait(timeout=30) == 0, up.stderr.read() if up.stderr else ""
        assert not [p for p in pids if pid_running(p)]
        assert made_by(info["pid"]) == set()
        again = subprocess.run(fencelab("lab", "down", "--dir", str(lab_dir)), capture_output=True, text=True,
                               timeout=30)  # fmt: skip
        assert again.returncode == 1 and again.stderr.strip() == f"fencelab lab: no lab runs in {lab_dir}"
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGTERM)
            up.wait(timeout=30)


def test_lab_up_refuses_what_it_cannot_emulate_before_starting_anything(tmp_path: Path) -> None:
    conf = tmp_path / "cluster.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<cluster name="c" config_version="1"><clusternodes>'
        '<clusternode name="a" nodeid="1"><fence><method name="1"><device name="m"/></method></fence>'
        '</clusternode></clusternodes><fencedevices><fencedevice name="m" agent="fence_manual"/>'
        "</fencedevices></cluster>\n"
    )
    argv = fencelab("lab", "up", str(conf), "--dir", str(tmp_path / "lab"))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "agent fence_manual cannot be emulated" in out.stderr
    assert not (tmp_path / "lab").exists()
