"""Dependency rules of the resource manager: a pure core, no fenced, agents only as processes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RM = REPO / "cluster" / "rm"
IO_LAYER = {"agent_dir.py", "ocf_exec.py", "checks.py"}  # run agents' meta-data / operations
PURE = sorted(p.name for p in RM.glob("*.py") if p.name not in IO_LAYER) + [
    "../tools/clustat_format.py",
    "../tools/clusvcadm_format.py",
]
FORBIDDEN_IN_PURE = (
    "asyncio",
    "socket",
    "subprocess",
    "threading",
    "cluster.rm.agent_dir",
    "cluster.rm.ocf_exec",
)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: inside cluster.rm
                base = "cluster.rm" + (f".{base}" if base else "")
            found.add(base)
    return found


@pytest.mark.parametrize("name", PURE)
def test_pure_modules_do_no_io(name: str) -> None:
    bad = {m for m in imports(RM / name) for f in FORBIDDEN_IN_PURE if m == f or m.startswith(f + ".")}
    assert not bad, f"{name} imports {bad}"


def test_rm_does_not_import_fenced_nor_agent_code() -> None:
    for path in RM.glob("*.py"):
        found = imports(path)
        assert not any(m.startswith("cluster.fenced") for m in found), path.name
        # the bundled agents are run as processes: only their directory helper may be imported
        assert all(m in ("cluster.rm_agents",) for m in found if m.startswith("cluster.rm_agents")), path.name
