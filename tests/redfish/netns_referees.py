"""Run DMTF's Redfish Protocol Validator and Use Case Checkers against our emulator, both at once, and print
one JSON line of their verdicts. Meant to run INSIDE a network namespace with only loopback up (the
Protocol Validator always sends SSDP multicast, which must not leave the test): see test_interop_dmtf.py.

Each tool gets its own emulator (the validator creates, patches and deletes accounts). Not a test module.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness.emulator_process import start_emulator

DEADLINE = 240.0
USER, PASSWORD = "admin", "adm1n-Secret"
CONFIG = {"users": {USER: {"password": PASSWORD, "role": "Administrator"}}}


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def clean_env() -> dict[str, str]:
    """requests lets REQUESTS_CA_BUNDLE override a session's verify=False: the tools must not see it."""
    return {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}


def protocol_verdict(report_dir: Path, done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    reports = sorted(report_dir.glob("*.tsv"))
    rows: list[list[str]] = []
    if reports:
        with open(reports[-1], newline="") as fh:
            rows = [r for r in csv.reader(fh, delimiter="\t") if len(r) > 5]
    counts: dict[str, int] = {}
    for row in rows[1:]:
        counts[row[4]] = counts.get(row[4], 0) + 1
    failed = [f"{r[0]} {r[1]} {r[3]}: {r[5]}" for r in rows[1:] if r[4] in ("FAIL", "WARN")]
    not_tested = sorted({r[0] for r in rows[1:] if r[4] == "NOT_TESTED"})
    return {"rc": done.returncode, "counts": counts, "failed": failed, "not_tested": not_tested,
            "tail": done.stdout[-2000:] + done.stderr[-2000:]}  # fmt: skip


def use_case_verdict(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    table = re.search(r"\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", done.stdout)
    names = ("PASS", "WARN", "FAIL", "NOT TESTED")
    counts = dict(zip(names, map(int, table.groups()), strict=True)) if table else {}
    return {"rc": done.returncode, "counts": counts, "tail": done.stdout[-3000:] + done.stderr[-2000:]}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="fencelab-dmtf-"))
    with (
        start_emulator("redfish", CONFIG) as pv_bmc,
        start_emulator("redfish", {**CONFIG, "reset_types": ["On", "ForceOff", "ForceRestart"]}) as uc_bmc,
    ):
        pv = subprocess.Popen(
            [tool("rf_protocol_validator"), "-r", pv_bmc.info["url"], "-u", USER, "-p", PASSWORD,
             "--ca-bundle", pv_bmc.info["ca_file"], "--report-dir", str(work / "pv"), "--report-type", "tsv",
             "--avoid-http-redirect"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(), cwd=work,
        )  # fmt: skip
        uc = subprocess.Popen(
            [tool("rf_use_case_checkers"), "-r", uc_bmc.info["url"], "-u", USER, "-p", PASSWORD,
             "--report-dir", str(work / "uc"), "--test-list", "PowerControl", "AccountManagement"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(), cwd=work,
        )  # fmt: skip
        results = {}
        for name, proc in (("protocol_validator", pv), ("use_case_checkers", uc)):
            try:
                out, err = proc.communicate(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            results[name] = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        verdict = {
            "protocol_validator": protocol_verdict(work / "pv", results["protocol_validator"]),
            "use_case_checkers": use_case_verdict(results["use_case_checkers"]),
            "use_case_state": uc_bmc.control({"cmd": "state"}),
        }
    subprocess.run(["rm", "-rf", str(work)], check=False)
    print(json.dumps(verdict))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
