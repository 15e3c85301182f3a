"""The resource manager's end-to-end lab (harness.www_lab) as a fixture, with per-test options."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.pytest_plugin import in_ci
from harness.www_lab import PAGE, WwwLab, build_www_lab, stop_www_lab

__all__ = ["PAGE", "WwwLab"]


def need_root() -> None:
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("the resource manager's end-to-end tests need root (namespaces, mounts)")
        pytest.skip("needs root (namespaces, mounts)")


@pytest.fixture
def www_lab(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[WwwLab]:
    """Builds and starts the lab (options from ``@pytest.mark.www(...)``); stops it, whatever happened."""
    need_root()
    marker = request.node.get_closest_marker("www")
    www = build_www_lab(tmp_path, **(marker.kwargs if marker else {}))
    try:
        yield www
    finally:
        stop_www_lab(www)
