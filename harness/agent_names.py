"""The names our fence agents are installed under (pure: the rule `fencelab install-agents` follows).

A stock agent is never shadowed: the names Debian's fence-agents package ships are installed as
``<name>_fencelab`` unless ``--replace`` is given (see harness.agent_install, which also renames any other
program already in the way; that part needs the file system and stays there).
"""

from __future__ import annotations

# Agents the ClusterLabs fence-agents package (Debian fence-agents) ships under the same names as ours.
STOCK_NAMES = frozenset(
    {
        "fence_ipmilan", "fence_ipmilanplus", "fence_ilo3", "fence_ilo4", "fence_ilo5", "fence_idrac",
        "fence_imm", "fence_ifmib", "fence_brocade", "fence_redfish",
    }
)  # fmt: skip
KEPT_ASIDE_SUFFIX = "_fencelab"


def default_installed_name(name: str, replace: bool = False) -> str:
    """Where install-agents puts agent ``name`` when nothing else is in the way."""
    return f"{name}{KEPT_ASIDE_SUFFIX}" if name in STOCK_NAMES and not replace else name
