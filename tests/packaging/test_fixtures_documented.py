"""Every fixture, ours and the tests', says what it gives: `pytest --fixtures` has no undocumented entry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_pytest_fixtures_documents_every_fixture() -> None:
    pytest_bin = Path(sys.executable).parent / "pytest"
    done = subprocess.run(
        [str(pytest_bin), "--fixtures", "-p", "no:cacheprovider", "--rootdir", str(TESTS.parent), str(TESTS)],
        capture_output=True, text=True, timeout=120, check=False, cwd=TESTS.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    lines = done.stdout.splitlines()
    undocumented = [lines[i - 1] for i, line in enumerate(lines) if "no docstring available" in line]
    assert undocumented == []
    assert any(line.startswith("emulator -- ") for line in lines)  # the plugin's fixtures are listed
