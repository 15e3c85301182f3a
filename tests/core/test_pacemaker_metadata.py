"""Real Pacemaker reads our metadata: `stonith_admin --metadata --agent <ours>` (stdin action=metadata).

Pacemaker only runs fence agents from /usr/sbin, so the test installs a uniquely named launcher there for
the duration of the test and removes it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from harness.pytest_plugin import in_ci, require_tool

pytestmark = pytest.mark.interop
TESTS_DIR = Path(__file__).parent.parent
FENCE_BINDIR = Path("/usr/sbin")


@contextlib.contextmanager
def install(module: str, label: str) -> Iterator[str]:
    """Put a launcher for ``module``'s ``main`` in /usr/sbin under a unique name; remove it afterwards."""
    require_tool("stonith_admin")
    name = f"fence_fencelabtest{label}{os.getpid()}"
    path = FENCE_BINDIR / name
    launcher = (
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS_DIR)!r})\n"
        f"from {module} import main\n"
        "raise SystemExit(main())\n"
    )
    try:
        path.write_text(launcher)
        path.chmod(0o755)
    except OSError as err:
        if in_ci():
            pytest.fail(f"cannot install a test agent in {FENCE_BINDIR}: {err}")
        pytest.skip(f"cannot install a test agent in {FENCE_BINDIR}: {err}")
    try:
        yield name
    finally:
        path.unlink(missing_ok=True)


@pytest.fixture()
def installed_agent() -> Iterator[str]:
    """The dummy agent installed in /usr/sbin under a unique name (what Pacemaker runs); removed after."""
    with install("core.dummy_agent", "") as name:
        yield name


def pacemaker_metadata(agent: str) -> etree._Element:
    """What Pacemaker makes of an agent's metadata: ``stonith_admin --metadata`` parses and rewrites it."""
    argv = ["stonith_admin", "--metadata", "--agent", agent]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return etree.fromstring(done.stdout.encode())


# our real agents: (module, a parameter it must declare, whether it is a fabric agent)
REAL_AGENTS = [
    ("fence_agents.agents.nps", "plug", False),
    ("fence_agents.agents.ipmilan", "lanplus", False),
    ("fence_agents.agents.ifmib", "plug", True),
    ("fence_agents.agents.brocade", "plug", True),
    ("fence_agents.agents.redfish", "systems_uri", False),
]


@pytest.mark.parametrize(("module", "parameter", "fabric"), REAL_AGENTS)
def test_stonith_admin_reads_each_real_agent(module: str, parameter: str, fabric: bool) -> None:
    with install(module, module.rsplit(".", 1)[1]) as name:
        root = pacemaker_metadata(name)
        assert parameter in {p.get("name") for p in root.iter("parameter")}
        on = next(a for a in root.iter("action") if a.get("name") == "on")
        assert on.get("automatic") == ("1" if fabric else "0")
        actions = {a.get("name") for a in root.iter("action")}
        assert ("reboot" in actions) != fabric and {"start", "stop"} <= actions


def test_stonith_admin_reads_our_metadata(installed_agent: str) -> None:
    root = pacemaker_metadata(installed_agent)
    assert root.get("name") == installed_agent
    names = {p.get("name") for p in root.iter("parameter")}
    assert {"ip", "ipaddr", "plug", "port", "password", "state_file"} <= names
    actions = [a.get("name") for a in root.iter("action")]
    assert actions[:3] == ["on", "off", "reboot"] and "list" in actions
    assert {"start", "stop"} <= set(actions)  # added by Pacemaker: it parsed and rewrote our document
