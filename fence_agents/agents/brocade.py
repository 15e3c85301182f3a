"""fence_brocade: fabric fencing through a Brocade FC switch's CLI over telnet or ssh.

Same calling conventions as the stock agent: the plug is the switchshow port index (or ``slot/port`` on a
director); fencing persistently disables the port, unfencing enables it. Fabric semantics: no reboot,
default action off, ``on`` automatic in metadata. ``list`` shows each port with the WWN logged in on it
(the stock agent shows no alias). The declaration only: the device (:mod:`brocade_device`) is imported
when an action runs.
"""

from __future__ import annotations

from fence_agents.spec import AgentSpec, connect_to

DEFAULT_PROMPT = r"> "

SPEC = AgentSpec(
    name="fence_brocade",
    shortdesc="Fence agent for HP Brocade over telnet/ssh",
    longdesc=(
        "fence_brocade is a fabric fencing agent for Brocade Fibre Channel switches. It logs into the "
        "switch over telnet or ssh and persistently disables the port a node is connected to, which cuts "
        "the node's path to shared storage; the port stays disabled across a switch reboot. Unfencing "
        "(action on) persistently enables the port again. Keep sessions short: a switch allows few."
    ),
    vendor_url="http://www.brocade.com",
    connect=connect_to("fence_agents.agents.brocade_device:BrocadeDevice"),
    uses=("ipaddr", "login", "passwd", "port", "secure", "cmd_prompt"),
    defaults={"cmd_prompt": DEFAULT_PROMPT},
    required=("login",),
    fabric=True,
)


def main() -> int:
    from fence_agents.main import run

    return run(SPEC)


if __name__ == "__main__":
    raise SystemExit(main())
