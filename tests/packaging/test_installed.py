"""The suite proves the wheel: under ``FENCELAB_TEST_INSTALL=wheel`` (what scripts/test.sh and CI set) the
tests and every Python child they start must import the INSTALLED fencelab, never this checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
PACKAGES = ("fence_agents", "emulators", "cluster", "harness")

wheel_run = pytest.mark.skipif(
    os.environ.get("FENCELAB_TEST_INSTALL") != "wheel",
    reason="FENCELAB_TEST_INSTALL is not 'wheel' (an editable development run)",
)


def _site_packages() -> Path:
    return Path(sysconfig.get_paths()["purelib"]).resolve()


def _locations(cwd: Path) -> dict[str, str]:
    """Where a Python child started in ``cwd`` (as the tests start agents and daemons) finds our packages."""
    code = (
        "import importlib, json\n"
        f"print(json.dumps({{p: importlib.import_module(p).__file__ for p in {PACKAGES!r}}}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(out.stdout)


@wheel_run
def test_tests_import_the_installed_packages() -> None:
    import importlib

    site = _site_packages()
    for name in PACKAGES:
        path = Path(importlib.import_module(name).__file__ or "").resolve()
        assert path.is_relative_to(site), f"{name} imported from {path}, not from {site}"
    assert str(CHECKOUT) not in {str(Path(p).resolve()) for p in sys.path if p}, "the checkout is on sys.path"


@wheel_run
def test_children_started_in_the_checkout_import_the_installed_packages() -> None:
    site = _site_packages()
    for name, path in _locations(CHECKOUT).items():
        assert Path(path).resolve().is_relative_to(site), (
            f"a child in the checkout imported {name} from {path}"
        )


@wheel_run
def test_every_file_of_the_packages_is_installed() -> None:
    """Data files (cluster.rng, READMEs) ship in the wheel: a user's ccs_config_validate needs the schema."""
    import importlib

    missing = []
    for name in PACKAGES:
        installed = Path(importlib.import_module(name).__file__ or "").parent
        source = CHECKOUT / name
        for path in source.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
                continue
            rel = path.relative_to(source)
            if not (installed / rel).is_file():
                missing.append(f"{name}/{rel}")
    assert not missing, f"not in the installed package: {missing}"
