"""``fencelab emulate san``: bad input is one line and exit 2; PDU outlets power wired processes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import waiting
from harness.pytest_plugin import Emulator, require_tool
from harness.tools import pid_running, run

from .helpers import san_config


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    try:
        waiting.wait_for("a state", predicate, timeout)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ports", "0"], "--ports must be at least 1"),
        (["--hosts", "a,b,c", "--ports", "2"], "3 hosts do not fit on 2 ports"),
        (["--nbd-port", "x"], "--nbd-port must be a port number or 'off'"),
        (["--wire", "99=true"], "no PDU outlet 99"),
        (["--fault", "melt"], "unknown fault kind"),
    ],
)
def test_bad_flags_one_line_exit_2(args: list[str], message: str) -> None:
    proc = run([sys.executable, "-m", "harness.cli", "emulate", "san", *args], timeout=30)
    assert proc.returncode == 2 and message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_config_key(tmp_path: Path) -> None:
    config = tmp_path / "san.toml"
    config.write_text('switch_name = "sw1"\n[[ports]]\nindex = 1\ncolour = "red"\n')
    proc = run([sys.executable, "-m", "harness.cli", "emulate", "san", "--config", str(config)], timeout=30)
    assert proc.returncode == 2 and "unknown key 'colour'" in proc.stderr


@pytest.mark.interop
def test_pdu_outlet_powers_a_wired_process(emulator: Callable[..., Emulator], tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    command = f"sh -c 'echo $$ > {pidfile}; exec sleep 600'"
    state = tmp_path / "not" / "yet"  # created by the emulator
    san = emulator("san", config=san_config(str(state)), args=["--wire", f"3={command}"], timeout=20.0)
    assert Path(san.info["journal"]).parent == state
    assert wait_for(lambda: pidfile.exists() and pidfile.read_text().strip().isdigit())
    pid = int(pidfile.read_text())
    assert pid_running(pid)
    base = [require_tool("fence_apc_snmp"), "-a", "127.0.0.1", "-u", str(san.port("pdu_snmp")), "-n", "3"]
    assert run([*base, "-o", "off"], timeout=60).stdout == "Success: Powered OFF\n"
    assert wait_for(lambda: not pid_running(pid))
    pidfile.unlink()
    assert run([*base, "-o", "on"], timeout=60).stdout == "Success: Powered ON\n"
    assert wait_for(lambda: pidfile.exists() and pidfile.read_text().strip().isdigit())


def test_default_state_dir_is_temporary(emulator: Callable[..., Emulator]) -> None:
    san = emulator("san", config={"ssh_port": False, "telnet_port": False, "pdu_port": False}, timeout=20.0)
    state = Path(san.info["journal"]).parent
    assert (state / "lun0.img").is_file()
    assert san.stop() == 0
    assert not state.exists()
