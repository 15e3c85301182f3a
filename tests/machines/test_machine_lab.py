"""Lab nodes as real machines: own network, mount, PID and UTS namespaces on 192.0.2.0/24 (root)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for
from harness.machines import ETC_NETNS, Network, sweep_leftovers
from harness.namespaces import NETNS_DIR
from harness.pytest_plugin import in_ci


@pytest.fixture(autouse=True)
def root_only() -> None:
    """Machine labs need root: fail under CI, skip elsewhere (every test of the module)."""
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("machine labs need root (CI runs as root)")
        pytest.skip("machine labs need root")


def namespaces(pid: int | None = None) -> set[str]:
    """The namespaces this process (or ``pid``) made: other runs on the machine have their own."""
    mark = f"-{pid or os.getpid()}-"
    return {p.name for p in NETNS_DIR.iterdir() if mark in p.name} if NETNS_DIR.is_dir() else set()


def netns_etc(pid: int | None = None) -> set[str]:
    mark = f"-{pid or os.getpid()}-"
    return {p.name for p in ETC_NETNS.iterdir() if mark in p.name} if ETC_NETNS.is_dir() else set()


def read_lines(proc: subprocess.Popen[str], count: int, timeout: float = 10.0) -> list[str]:
    assert proc.stdout is not None
    lines = []
    while len(lines) < count:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        assert ready, f"no output within {timeout}s (got {lines})"
        lines.append(proc.stdout.readline().strip())
    return lines


def test_a_node_is_its_own_machine_and_power_off_kills_all_it_started() -> None:
    before, etc_before = namespaces(), netns_etc()
    with Network({1: "node1", 2: "node2"}) as net:
        script = (
            "hostname; getent hosts node2 | cut -f1 -d' '; ip -o -4 addr show eth0 | awk '{print $4}';"
            " grep -c ' /run tmpfs' /proc/self/mounts; (setsid sleep 600 >/dev/null 2>&1 &);"
            " echo up; sleep 600"
        )
        proc = subprocess.Popen(
            net.boot_argv(1, ["/bin/sh", "-c", script]),
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            assert read_lines(proc, 5) == ["node1", "192.0.2.2", "192.0.2.1/24", "1", "up"]
            wait_for("the node's setsid daemon", lambda: len(net.node_pids(1)) >= 4, 10)
            hub = subprocess.run(net.in_hub(["ip", "neigh", "flush", "all"]), capture_output=True, timeout=10)
            assert hub.returncode == 0
            os.killpg(proc.pid, signal.SIGKILL)  # the outlet's power-off: the launcher's process group only
            proc.wait(timeout=10)
            wait_for("every process of node1 gone", lambda: net.node_pids(1) == [], 10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert namespaces() <= before and netns_etc() <= etc_before


def test_machine_lab_forms_fences_reboots_and_leaves_nothing_behind(tmp_path: Path) -> None:
    before, etc_before = namespaces(), netns_etc()
    with ClusterLab(tmp_path, nodes=3, token_ms=400, machines=True) as lab:
        lab.wait_up(timeout=30)
        assert lab.status(1)["node_addresses"] == ["192.0.2.1"]
        victim = lab.pid(3)
        assert victim is not None
        os.kill(victim, signal.SIGKILL)  # node3's daemon dies; the survivors fence node3 through the NPS
        wait_for(
            "node3 fenced", lambda: any(r.get("result") == "success" for r in lab.history(1, "node3")), 30
        )
        lab.wait_members([1, 2, 3], [1, 2, 3], timeout=30)  # the reboot powered it on again: it rejoins
        assert lab.pid(3) != victim
    assert namespaces() <= before and netns_etc() <= etc_before


def test_leftovers_of_a_killed_lab_are_swept() -> None:
    code = (
        "import os\nfrom harness.namespaces import NetNamespace as N\nprint(N('stale').name)\nos._exit(0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    name = out.stdout.strip()
    assert name and (NETNS_DIR / name).exists()  # its creator is gone without cleaning up
    assert name in sweep_leftovers()
    assert not (NETNS_DIR / name).exists()
