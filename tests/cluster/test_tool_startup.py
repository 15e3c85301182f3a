"""The runtime tools start light: 31 parallel ``cman_tool leave`` on two cores spent most of their time
importing asyncio and subprocess, which only the daemon and ``join`` need."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("asyncio", "subprocess", "ssl", "logging")


@pytest.mark.parametrize("tool", ["cman_tool", "fence_tool", "fence_node"])
def test_a_tool_imports_no_asyncio_or_subprocess(tool: str) -> None:
    code = f"import sys, cluster.tools.{tool}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == ""


def test_cman_tool_knows_the_loaders_it_does_not_import() -> None:
    from cluster.config.source import LOADERS
    from cluster.tools import cman_tool

    assert cman_tool.LOADERS == LOADERS
