"""``fencelab lab up --backend pacemaker``: the ready line, the stack's own view inside a node, our agents
where the fencer runs them (as hacluster, without touching the host's /usr/sbin), lab down; bad input and a
node that does not come up, with nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.agent_install import is_our_wrapper
from harness.lab_up import LabError
from harness.namespaces import NETNS_DIR
from harness.pacemaker.lab import PacemakerLab
from harness.pacemaker.observe import parse_crm_mon
from harness.pacemaker.www_lab import write_conf
from harness.waiting import wait_for

from .conftest import need_stack

pytestmark = [pytest.mark.interop, pytest.mark.slow]
FENCELAB = str(Path(sys.executable).parent / "fencelab")


def namespaces_of(pid: int) -> list[str]:
    return [e.name for e in NETNS_DIR.iterdir() if f"-{pid}-" in e.name] if NETNS_DIR.is_dir() else []


def processes_using(path: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_lab_up_runs_pacemaker_with_our_agents_and_lab_down_stops_it(tmp_path: Path) -> None:
    need_stack()
    conf = write_conf(tmp_path, "nps")
    lab_dir, ready = tmp_path / "lab", tmp_path / "ready.json"
    up = subprocess.Popen(
        [
            FENCELAB,
            "lab",
            "up",
            "--backend",
            "pacemaker",
            str(conf),
            "--dir",
            str(lab_dir),
            "--ready-file",
            str(ready),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for("the ready file", lambda: ready.exists() or up.poll() is not None, 120)
        assert up.poll() is None, up.stderr.read() if up.stderr else ""
        info = json.loads(ready.read_text())
        assert info["backend"] == "pacemaker" and info["machines"] is True
        assert [n["name"] for n in info["nodes"]] == ["node1", "node2", "node3"]
        assert {d["name"]: d["agent"] for d in info["devices"]} == {"nps": "fence_nps"}
        pid = info["nodes"][1]["pid"]  # node2's pacemakerd
        inside = ["nsenter", "-t", str(pid), "-m", "-n", "--"]
        view = parse_crm_mon(
            subprocess.run(
                [*inside, "crm_mon", "-1", "--output-as=xml"], capture_output=True, text=True, timeout=30
            ).stdout,
            time.time(),
            "node2",
        )
        assert view.ready(["node1", "node2", "node3"])
        assert "stonith:fence_nps" in {r.agent for r in view.resources}
        # the fencer's /usr/sbin holds our wrapper, runnable by hacluster; the host's /usr/sbin is untouched
        assert is_our_wrapper(Path(f"/proc/{pid}/root/usr/sbin/fence_nps"))
        meta = subprocess.run(
            [*inside, "runuser", "-u", "hacluster", "--", "/usr/sbin/fence_nps", "-o", "metadata"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert meta.returncode == 0 and "<resource-agent" in meta.stdout, meta.stderr
        assert not is_our_wrapper(Path("/usr/sbin/fence_nps"))
        assert " /usr/sbin " not in Path("/proc/self/mounts").read_text()
        down = subprocess.run(
            [FENCELAB, "lab", "down", "--dir", str(lab_dir)], capture_output=True, text=True, timeout=90
        )
        assert down.returncode == 0, down.stderr
        assert up.wait(timeout=30) == 0
        assert namespaces_of(up.pid) == [] and processes_using(lab_dir) == []
        assert not any(Path("/tmp").glob(f"fl-agents-{up.pid}-*")), "the lab's agent install was left behind"
    finally:
        if up.poll() is None:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=60)


def test_a_conf_pacemaker_cannot_express_is_one_line_before_anything_starts(tmp_path: Path) -> None:
    need_stack()
    conf = write_conf(tmp_path, "nps")
    conf.write_text(conf.read_text().replace("  </rm>", '    <vm name="guest1"/>\n  </rm>'))
    lab = PacemakerLab(conf, tmp_path / "lab")
    with pytest.raises(LabError) as err:
        lab.start()
    message = str(err.value)
    assert "\n" not in message and f"{conf}:" in message and "virtual machines" in message, message
    assert not (tmp_path / "lab").exists() and namespaces_of(os.getpid()) == []


def test_a_node_that_does_not_come_up_in_time_tears_the_lab_down_with_its_log(tmp_path: Path) -> None:
    """Three seconds is too short for a DC (dc-deadtime 2 s, then the election): the lab must give up,
    say which node with its last log lines, and leave no namespace, process or mount behind."""
    need_stack()
    conf = write_conf(tmp_path, "nps")
    lab = PacemakerLab(conf, tmp_path / "lab", boot_timeout=3)
    with pytest.raises(LabError) as err:
        lab.start()
    message = str(err.value)
    assert message.startswith("node1 did not come up within 3 s; last lines: "), message
    assert "corosync.log: " in message, message
    assert namespaces_of(os.getpid()) == [] and processes_using(tmp_path / "lab") == []
