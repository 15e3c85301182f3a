"""pytest plugin (entry point ``pytest11: fencelab``): fixtures that start emulated devices for CI.

Interop rule: under ``CI=true`` a missing third-party tool is a test failure, never a skip; elsewhere the test
skips with a reason naming the Debian package.
"""

from __future__ import annotations

import os

import pytest

from harness.tools import missing_reason, stock_tool


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> str:
    """Path of a stock Debian program; fail in CI, skip elsewhere, when it is missing."""
    path = stock_tool(name)
    if path is None:
        if in_ci():
            pytest.fail(missing_reason(name) + " (CI=true: interop tests may not skip)")
        pytest.skip(missing_reason(name))
    return path


def require_file(path: str, package: str) -> str:
    """A file a Debian package installs (e.g. a schema); fail in CI, skip elsewhere, when it is missing."""
    if not os.path.isfile(path):
        reason = f"{path} not found: apt-get install {package}"
        if in_ci():
            pytest.fail(reason + " (CI=true: interop tests may not skip)")
        pytest.skip(reason)
    return path
