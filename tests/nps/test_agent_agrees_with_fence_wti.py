"""fence_nps and the stock fence_wti agree on every plug's state after every action (issue 3, interop).

Both agents act in turns on one emulated NPS; after each action both read every plug. fence_wti gets its
options on stdin, as fenced would give them (the password never in any argv).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .test_agent_support import by_argv, plug_states

pytestmark = pytest.mark.interop

PLUGS = ("1", "2", "3")
STEPS = [  # (agent, plug, action)
    ("fence_wti", "1", "off"),
    ("fence_nps", "2", "off"),
    ("fence_nps", "1", "on"),
    ("fence_wti", "pair", "off"),  # a group
    ("fence_wti", "3", "reboot"),
    ("fence_nps", "pair", "on"),
]


def wti(device: Emulator, **options: str) -> tuple[int, str]:
    opts = {"ip": device.host, "ipport": str(device.port("telnet")), "password": "redhat123", **options}
    result = run(
        [require_tool("fence_wti")], stdin="".join(f"{k}={v}\n" for k, v in opts.items()), timeout=60
    )
    return result.returncode, result.stdout


def wti_states(device: Emulator) -> dict[str, str]:
    """The stock agent's list-status (it lower-cases the cells), for our plugs."""
    code, out = wti(device, action="list-status")
    assert code == 0, out
    cells = [line.split(",") for line in out.splitlines()]
    return {c[0]: c[2].upper() for c in cells if len(c) == 3 and c[0] in PLUGS}


def test_agents_agree_after_every_action(emulator: Callable[..., Emulator]) -> None:
    config = {"relay_delay": 0, "boot_delay": 0, "ssh_port": False, "plugs": 3, "groups": {"pair": [1, 2]}}
    device = emulator("nps", config=config)
    for agent, plug, action in STEPS:
        if agent == "fence_wti":
            code, out = wti(device, port=plug, action=action, power_wait="0")
        else:
            result = by_argv(device, "telnet", "-n", plug, "-o", action)
            code, out = result.rc, result.out
        assert code == 0, (agent, plug, action, out)
        ours = {plug: state for plug, state in plug_states(device).items() if plug in PLUGS}
        assert ours == wti_states(device), (agent, plug, action)
    assert plug_states(device)["pair"] == "ON"
