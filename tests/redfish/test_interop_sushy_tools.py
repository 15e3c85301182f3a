"""Our fence_redfish against sushy-tools' ``sushy-emulator --fake`` (OpenStack's Redfish emulator, a service
we did not write): Basic auth only, no SessionService, 204 to a reset, a random 1-11 s power delay."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulators.redfish.certs import make_tls_files
from harness.agent_run import password_script, run_agent
from harness.pytest_plugin import in_ci
from harness.waiting import wait_for

pytestmark = pytest.mark.interop
PASSWORD = "sushy-Secret"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sushy_emulator() -> Iterator[tuple[int, str]]:
    """sushy-tools' fake Redfish service on a free port (port, password file); stopped at the end."""
    exe = Path(sys.executable).parent / "sushy-emulator"
    try:
        import bcrypt
    except ImportError:
        bcrypt = None  # type: ignore[assignment]
    if not exe.exists() or bcrypt is None:
        reason = "sushy-tools not installed: pip install -e '.[test]'"
        if in_ci():
            pytest.fail(reason + " (CI=true: interop tests may not skip)")
        pytest.skip(reason)
    work = Path(tempfile.mkdtemp(prefix="fencelab-sushy-"))
    tls = make_tls_files(work, "127.0.0.1")
    (work / "htpasswd").write_text(
        "admin:" + bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode() + "\n"
    )
    # its state persists between runs unless it has a directory of its own (and a new system UUID)
    (work / "conf.py").write_text(
        f"SUSHY_EMULATOR_AUTH_FILE = {str(work / 'htpasswd')!r}\n"
        f"SUSHY_EMULATOR_STATE_DIR = {str(work / 'state')!r}\n"
        f"SUSHY_EMULATOR_FAKE_SYSTEMS = [{{'uuid': {str(uuid.uuid4())!r}, 'name': 'node1', "
        "'power_state': 'On', 'external_notifier': False, 'nics': []}]\n"
    )
    port = _free_port()
    log = open(work / "log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(exe), "--fake", "-i", "127.0.0.1", "-p", str(port), "--config", str(work / "conf.py"),
         "--ssl-certificate", str(tls.cert_file), "--ssl-key", str(tls.key_file)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for("sushy-emulator listening", lambda: _accepts(port) or proc.poll() is not None, 20)
        assert proc.poll() is None, (work / "log").read_text()
        yield port, str(tls.ca_file)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["rm", "-rf", str(work)], check=False)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_status_and_off_against_sushy_tools(
    sushy_emulator: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, ca_file = sushy_emulator
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)  # certificate checked: no --ssl-insecure
    base = ["-a", "127.0.0.1", "-u", str(port), "-l", "admin", "-S", password_script(PASSWORD)]
    status = run_agent("fence_redfish", [*base, "-o", "status"], timeout=30)
    assert (status.rc, status.out) == (0, "Status: ON\n"), status.err
    # sushy-tools applies a power change 1-11 s later: one bounded action
    off = run_agent("fence_redfish", [*base, "-n", "node1", "-o", "off", "--power-timeout", "25"], timeout=40)
    assert (off.rc, off.out) == (0, "Success: Powered OFF\n"), off.err
    wrong = run_agent(
        "fence_redfish", [*base[:-2], "-S", password_script("nope"), "-o", "status"], timeout=30
    )
    assert wrong.rc == 1 and "Unable to connect/login to fencing device" in wrong.err


def test_a_system_named_by_name_follows_sushy_tools_redirect(
    sushy_emulator: tuple[int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """sushy-tools lists systems by UUID and answers a request by name with a 307 to the UUID's URI."""
    port, ca_file = sushy_emulator
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    argv = ["-a", "127.0.0.1", "-u", str(port), "-l", "admin", "-S", password_script(PASSWORD), "-v",
            "--systems-uri", "/redfish/v1/Systems/node1", "-o", "status"]  # fmt: skip
    status = run_agent("fence_redfish", argv, timeout=30)
    assert (status.rc, status.out) == (0, "Status: ON\n"), status.err
    assert "GET /redfish/v1/Systems/node1 -> 307" in status.err, status.err
