"""Drop-in: every parameter in the stock agent's metadata is accepted by ours, on argv and on stdin.

Including the ones that matter only to the stock implementation (``ssh_path``, ``snmpget_path``,
``ipmitool_path``...): a cluster configured for the stock agent must not break when ours replaces it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.pytest_plugin import require_tool
from harness.tools import our_tool, run

pytestmark = pytest.mark.interop

PAIRS = {  # ours -> the stock agent it replaces
    "fence_nps": "fence_wti",
    "fence_ipmilan": "fence_ipmilan",
    "fence_ifmib": "fence_ifmib",
    "fence_brocade": "fence_brocade",
}
NOT_PROBED = {"action", "help", "version"}  # they change what the run does, not whether it parses


@dataclass(frozen=True)
class Parameter:
    name: str
    flag: str | None  # the long flag, e.g. "--ssh-path"
    takes_value: bool
    sample: str


def parameters(metadata: str) -> dict[str, Parameter]:
    found: dict[str, Parameter] = {}
    for param in ET.fromstring(metadata).iter("parameter"):
        mixed = param.find("getopt").get("mixed", "")  # type: ignore[union-attr]
        flag = next((w.split("=")[0] for w in mixed.replace(",", " ").split() if w.startswith("--")), None)
        content = param.find("content")
        kind = content.get("type", "string") if content is not None else "string"
        options = [o.get("value", "") for o in param.iter("option")]
        sample = options[0] if options else "1" if kind in ("integer", "second", "boolean") else "x"
        name = param.get("name", "")
        # a value shown in getopt (--ip=[ip]) or any non-boolean (stock's --verbose-level shows none)
        found[name] = Parameter(name, flag, "=[" in mixed or kind != "boolean", sample)
    return found


def metadata_of(program: str) -> str:
    done = run([program, "-o", "metadata"], timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module", params=sorted(PAIRS))
def pair(request: pytest.FixtureRequest) -> tuple[str, dict[str, Parameter], dict[str, Parameter]]:
    """(our agent's path, the stock agent's parameters, ours), for each agent that replaces a stock one."""
    ours = our_tool(request.param)
    stock = require_tool(PAIRS[request.param])
    return ours, parameters(metadata_of(stock)), parameters(metadata_of(ours))


def test_metadata_lists_every_stock_parameter(
    pair: tuple[str, dict[str, Parameter], dict[str, Parameter]],
) -> None:
    _ours, stock, mine = pair
    assert sorted(set(stock) - set(mine)) == []
    for name, param in stock.items():  # the same flag, so a command line written for stock works
        assert (mine[name].flag, mine[name].takes_value) == (param.flag, param.takes_value), name


def _sample(param: Parameter, tmp_path: Path) -> str:
    return str(tmp_path / "debug.log") if param.name in ("debug", "debug_file") else param.sample


def test_every_stock_flag_accepted_on_argv(
    pair: tuple[str, dict[str, Parameter], dict[str, Parameter]], tmp_path: Path
) -> None:
    ours, stock, _mine = pair
    argv = [ours, "-o", "metadata"]
    for param in stock.values():
        if param.name in NOT_PROBED or param.flag is None:
            continue
        argv += [param.flag, _sample(param, tmp_path)] if param.takes_value else [param.flag]
    done = run(argv, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "not recognized" not in done.stderr and "Unused" not in done.stderr
    assert "Parse error" not in done.stderr, done.stderr  # every value landed where it belongs
    assert done.stdout.startswith("<?xml")


def test_every_stock_name_accepted_on_stdin(
    pair: tuple[str, dict[str, Parameter], dict[str, Parameter]], tmp_path: Path
) -> None:
    ours, stock, _mine = pair
    lines = [f"{p.name}={_sample(p, tmp_path)}" for p in stock.values() if p.name not in NOT_PROBED]
    done = run([ours], stdin="\n".join([*lines, "action=metadata"]) + "\n", timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Parse error" not in done.stderr
    assert done.stdout.startswith("<?xml")
