"""`fencelab pacemaker translate`: files written and checked, warnings said, refusals one line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.pytest_plugin import require_tool
from harness.tools import our_tool

from .support import DATA, NPS_DEVICE, write_conf

LISTING7 = Path(__file__).parents[1] / "rm" / "data" / "listing7-corrected.conf"


def fencelab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [our_tool("fencelab"), *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.interop
def test_translate_writes_a_verified_cib_and_corosync_conf(tmp_path: Path) -> None:
    require_tool("cibadmin")
    require_tool("crm_verify")
    out = fencelab("pacemaker", "translate", str(DATA / "three_devices.conf"), "--out", str(tmp_path / "o"),
                   "--address", "node1=10.9.0.1")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "every node needs /usr/local/lib/www/httpd at /etc/init.d/httpd" in out.stdout
    corosync = (tmp_path / "o" / "corosync.conf").read_text()
    assert "ring0_addr: 10.9.0.1\n" in corosync and "ring0_addr: node2\n" in corosync
    cib = tmp_path / "o" / "cib.xml"
    assert 'value="10.1.1.50"' in cib.read_text()  # a real cluster: the conf's own device addresses
    verify = subprocess.run(["crm_verify", "-x", str(cib)], capture_output=True, text=True, timeout=30)
    assert verify.returncode == 0, verify.stderr


@pytest.mark.interop
def test_warnings_go_to_stderr(tmp_path: Path) -> None:
    require_tool("cibadmin")
    body = (
        '<fence_daemon post_fail_delay="3"/><clusternodes><clusternode name="a" nodeid="1"><fence>'
        '<method name="1"><device name="nps" port="1"/></method></fence></clusternode></clusternodes>'
        f"<fencedevices>{NPS_DEVICE}</fencedevices>"
    )
    out = fencelab("pacemaker", "translate", str(write_conf(tmp_path, body)), "--out", str(tmp_path / "o"))
    assert out.returncode == 0, out.stderr
    assert "fencelab pacemaker translate: warning: " in out.stderr and "post_fail_delay=3" in out.stderr


def test_what_pacemaker_cannot_express_exits_2_with_one_line(tmp_path: Path) -> None:
    out = fencelab("pacemaker", "translate", str(LISTING7), "--out", str(tmp_path / "o"))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert f"{LISTING7}:5: clusternode node1 has no fence method" in out.stderr
    assert not (tmp_path / "o").exists()  # refused before anything is written


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert fencelab("pacemaker").returncode == 2
    bad = fencelab("pacemaker", "translate", str(DATA / "three_devices.conf"), "--address", "nodeX=1.2.3.4")
    assert bad.returncode == 2 and "nodeX is not a clusternode" in bad.stderr
    assert fencelab("pacemaker", "translate", str(tmp_path / "absent.conf")).returncode == 2
