"""DMTF's referees against our Redfish emulator: the Redfish Protocol Validator (121 assertions of DSP0266:
headers, status codes, sessions, Basic, roles, ETags...) and the Use Case Checkers (PowerControl and
AccountManagement). Run inside a network namespace of this test with only loopback up, so the validator's
SSDP multicast cannot leave it; the namespace is removed at the end. Skipped assertions: docs/emulators.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.pytest_plugin import in_ci

pytestmark = pytest.mark.interop
ROOT = Path(__file__).resolve().parents[2]


def _need(path: Path) -> None:
    if not path.exists():
        reason = f"{path.name} not installed: pip install -e '.[test]'"
        if in_ci():
            pytest.fail(reason + " (CI=true: interop tests may not skip)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def verdict() -> Iterator[dict[str, Any]]:
    """One run of DMTF's Protocol Validator and Use Case Checkers for the module, in its own namespace."""
    bin_dir = Path(sys.executable).parent
    for name in ("rf_protocol_validator", "rf_use_case_checkers"):
        _need(bin_dir / name)
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("a network namespace needs root (CI runs as root)")
        pytest.skip("a network namespace needs root")
    ns = f"fl-rf-{os.getpid()}-1"  # harness.namespaces' naming: the next lab sweeps a killed run's leftover
    subprocess.run(["ip", "netns", "add", ns], check=True, timeout=10)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True, timeout=10)
        script = Path(__file__).with_name("netns_referees.py")  # a file: it imports the installed fencelab
        done = subprocess.run(
            ["ip", "netns", "exec", ns, sys.executable, str(script)],
            capture_output=True, text=True, timeout=300, cwd=ROOT,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        yield json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False, timeout=10)


def test_protocol_validator_passes_every_assertion_it_can_test(verdict: dict[str, Any]) -> None:
    pv = verdict["protocol_validator"]
    assert pv["failed"] == [] and pv["rc"] == 0, pv["tail"]
    assert pv["counts"].get("PASS", 0) >= 300, pv["counts"]
    # what it could not test: SSE, SSDP, event subscriptions, certificates, PasswordChangeRequired,
    # openapi.yaml, redirects, query parameters we do not offer (listed with why in docs/emulators.md)
    allowed = ("SERV_SSE_", "SERV_SSDP_", "SERV_EVENT_", "SEC_PWD_CHANGE_REQ_", "SEC_DEFAULT_CERT_REPLACE",
               "SEC_SESSION_TERMINATION_SIDE_EFFECTS", "REQ_HEADERS_ACCEPT", "RESP_HEADERS_CONTENT_TYPE",
               "PROTO_REDIRECT_", "REQ_QUERY_INVALID_VALUES", "REQ_DATA_MOD_ERRORS",
               "RESP_STATUS_INTERNAL_SERVER_ERROR")  # fmt: skip
    assert [n for n in pv["not_tested"] if not n.startswith(allowed)] == []


def test_use_case_checkers_power_control_and_accounts(verdict: dict[str, Any]) -> None:
    uc = verdict["use_case_checkers"]
    assert uc["rc"] == 0 and uc["counts"].get("FAIL") == 0 and uc["counts"].get("WARN") == 0, uc["tail"]
    assert uc["counts"]["PASS"] >= 15, uc["counts"]
    resets = verdict["use_case_state"]["systems"][0]["resets"]
    assert resets.get("ForceOff") and resets.get("On") and resets.get("ForceRestart"), resets
