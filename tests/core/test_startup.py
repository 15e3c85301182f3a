"""`-o metadata` must stay cheap: no heavy library (lxml, asyncssh, pysnmp, pyghmi) imported on the way."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "lxml",
    "asyncssh",
    "pysnmp",
    "pyghmi",
    "telnetlib3",
    "serial",
    "cryptography",
    "asyncio",
    "requests",
)
TESTS_DIR = Path(__file__).parent.parent
AGENT_MODULES = ["core.dummy_agent"] + [
    f"fence_agents.agents.{name}" for name in ("nps", "ipmilan", "ifmib", "brocade", "redfish")
]


def heavy_modules_after_metadata(module: str) -> list[str]:
    code = (
        "import contextlib, io, json, sys, importlib\n"
        f"sys.argv = ['probe', '-o', 'metadata']\n"
        f"agent = importlib.import_module({module!r})\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = agent.main()\n"
        "assert code == 0 and out.getvalue().startswith('<?xml'), code\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "PYTHONPATH": str(TESTS_DIR)},
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.parametrize("module", AGENT_MODULES)
def test_metadata_imports_nothing_heavy(module: str) -> None:
    if module.startswith("fence_agents.") and importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not written yet")
    assert heavy_modules_after_metadata(module) == []


def test_framework_modules_import_nothing_heavy() -> None:
    code = (
        "import sys, json\n"
        "import fence_agents.main, fence_agents.options, fence_agents.metadata, fence_agents.parse\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("module", AGENT_MODULES)
def test_agent_declarations_are_consistent(module: str) -> None:
    if module.startswith("fence_agents.") and importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not written yet")
    from fence_agents.options import spec_problems

    agent = importlib.import_module(module)
    spec = getattr(agent, "SPEC", None) or agent.FILE_SPEC
    assert spec_problems(spec) == []


def test_spec_problems_finds_mistakes() -> None:
    from core.dummy_agent import FakeClock, MemoryDevice, memory_spec
    from fence_agents.options import spec_problems
    from fence_agents.spec import Option

    spec = memory_spec(
        MemoryDevice(clock=FakeClock()),
        uses=("ipaddr", "port", "community", "cmd_prompt", "nonsense"),
        defaults={"power_wait": "1", "bogus": "1"},
        required=("login",),
        options=(Option("lanplus", "lanplus", "a"),),
    )
    assert spec_problems(spec) == [
        "uses: unknown common option 'nonsense'",
        "defaults: 'bogus' is not an option of this agent",
        "required: 'login' is not an option of this agent",
        "flag -c is used by both 'community' and 'cmd_prompt'",
        "flag -a is used by both 'ipaddr' and 'lanplus'",
    ]
