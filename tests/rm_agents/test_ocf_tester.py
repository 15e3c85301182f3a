"""Referee: resource-agents' ocf-tester passes on every bundled agent (root; namespaces for ip and fs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.namespaces import MountNamespace
from harness.pytest_plugin import require_tool

from .conftest import Subnet, agent

pytestmark = pytest.mark.interop


def ocf_tester(prefix: list[str], name: str, params: dict[str, str], path: str, tmp: Path) -> str:
    argv = [require_tool("ocf-tester"), "-n", name]
    for key, value in params.items():
        argv += ["-o", f"{key}={value}"]
    require_tool("xmllint")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HA_RSCTMP": str(tmp)}
    out = subprocess.run(prefix + argv + [path], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{path} passed all tests" in out.stdout
    return out.stdout


def test_service_passes_ocf_tester(tmp_path: Path) -> None:
    ocf_tester([], "www", {"name": "www"}, agent("service"), tmp_path)


def test_script_passes_ocf_tester(tmp_path: Path) -> None:
    script = tmp_path / "daemon.sh"
    pidfile = tmp_path / "daemon.pid"
    script.write_text(
        "#!/bin/sh\n"
        f"PIDF={pidfile}\n"
        'running() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }\n'
        'case "$1" in\n'
        '  start) running && exit 0; setsid sleep 600 >/dev/null 2>&1 & echo $! > "$PIDF" ;;\n'
        '  stop) running && kill "$(cat "$PIDF")"; rm -f "$PIDF" ;;\n'
        "  status) running || exit 3 ;;\n"
        "  *) exit 2 ;;\n"
        "esac\n"
    )
    script.chmod(0o755)
    try:
        ocf_tester([], "web", {"name": "web", "file": str(script)}, agent("script"), tmp_path)
    finally:
        subprocess.run([str(script), "stop"], timeout=10)


def test_ip_passes_ocf_tester(subnet: Subnet, tmp_path: Path) -> None:
    params = {"address": "192.0.2.100", "sleeptime": "0"}
    ocf_tester(subnet.node.exec_argv([]), "ip1", params, agent("ip"), tmp_path)
    assert "192.0.2.100" not in subnet.node.run(["ip", "-o", "addr"]).stdout  # stopped at the end


def test_fs_passes_ocf_tester(ext4_image: Path, tmp_path: Path) -> None:
    mountpoint = tmp_path / "mnt"
    params = {
        "name": "fs1",
        "device": str(ext4_image),
        "mountpoint": str(mountpoint),
        "fstype": "ext4",
        "force_fsck": "1",
    }
    with MountNamespace() as ns:
        ocf_tester(ns.exec_argv([]), "fs1", params, agent("fs"), tmp_path)
        assert str(mountpoint) not in ns.run(["cat", "/proc/self/mounts"]).stdout
