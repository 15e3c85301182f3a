"""fence_nps: fence agent for WTI Network Power Switches (NPS, IPS, RPC...) over telnet, ssh or a serial line.

A drop-in for the stock ``fence_wti`` calling conventions (same options and defaults, plug numbers, plug
names and plug groups), plus ``--serial-port``/``--serial-speed`` for a switch on an RS-232 line.
This module is the declaration only; the device (:mod:`nps_device`) is imported when an action runs, so
``-o metadata`` loads nothing of it.
"""

from __future__ import annotations

from fence_agents.agents.nps_prompts import DEFAULT_PROMPTS
from fence_agents.spec import AgentSpec, connect_to

SPEC = AgentSpec(
    name="fence_nps",
    shortdesc="Fence agent for WTI Network Power Switches",
    longdesc=(
        "fence_nps is an I/O Fencing agent for the WTI Network Power Switch (NPS) and its relatives "
        "(IPS, RPC, VMR...). It logs into the switch via telnet, ssh or a serial line and switches a plug, "
        "a plug given by name, or a plug group. It accepts the options of the stock fence_wti. "
        "Many switches serve one session at a time: keep other sessions to the switch short, or a fence "
        "action may find it busy."
    ),
    vendor_url="http://www.wti.com",
    connect=connect_to("fence_agents.agents.nps_device:NpsDevice"),
    uses=("ipaddr", "login", "passwd", "port", "secure", "serial_port", "cmd_prompt", "method"),
    defaults={"login_timeout": "10", "cmd_prompt": repr(list(DEFAULT_PROMPTS))},
)


def main() -> int:
    from fence_agents.main import run

    return run(SPEC)


if __name__ == "__main__":
    raise SystemExit(main())
