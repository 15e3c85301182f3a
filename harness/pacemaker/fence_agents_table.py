"""Our fence agents as Pacemaker sees them: which agent a cluster.conf's ``agent=`` runs, and how each of
its attributes is named on the agent's stdin (the agent's own option table is the truth: fence_agents'
``agent_options``, the table ``-o metadata`` prints). Pure: agent modules are declarations only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from fence_agents.metadata import twin_name
from fence_agents.options import agent_options, effective_defaults, uses_port_as_ip
from fence_agents.parse import stdin_names
from fence_agents.spec import AgentSpec, Option

# agent name -> module of fence_agents.agents that declares it (pyproject's console scripts)
AGENT_MODULES = {
    "fence_nps": "nps",
    "fence_ipmilan": "ipmilan",
    "fence_ipmilanplus": "ipmilan",
    "fence_ilo3": "ipmilan",
    "fence_ilo4": "ipmilan",
    "fence_ilo5": "ipmilan",
    "fence_idrac": "ipmilan",
    "fence_imm": "ipmilan",
    "fence_ifmib": "ifmib",
    "fence_brocade": "brocade",
    "fence_redfish": "redfish",
}
# stock agents we have a drop-in for under another name
DROP_INS = {"fence_wti": "fence_nps"}


@dataclass(frozen=True)
class AgentTable:
    name: str  # the agent that runs (fence_wti -> fence_nps)
    spec: AgentSpec
    options: dict[str, Option]
    names: dict[str, str]  # every accepted stdin name ('-' -> '_') -> internal key
    defaults: dict[str, str]

    def key(self, attr: str) -> str | None:
        """The internal key (``ipaddr``) of a cluster.conf attribute (``ipaddr``, ``ip``, ``plug``...)."""
        return self.names.get(attr.replace("-", "_"))

    def stdin_name(self, key: str) -> str:
        """The name the metadata lists as current: ``ipaddr`` -> ``ip``, ``passwd`` -> ``password``."""
        return twin_name(self.options[key]) or key

    @property
    def needs_plug(self) -> bool:
        return self.spec.plug_required and not uses_port_as_ip(self.spec) and "port" in self.options

    @property
    def fabric(self) -> bool:
        return self.spec.fabric


def agent_table(agent: str) -> AgentTable | None:
    name = DROP_INS.get(agent, agent)
    module = AGENT_MODULES.get(name)
    if module is None:
        return None
    spec: AgentSpec = importlib.import_module(f"fence_agents.agents.{module}").SPEC
    options = agent_options(spec)
    defaults = effective_defaults(spec, options)
    defaults.update({k: v for k, v in spec.symlinks.get(name, {}).items() if k in options})
    return AgentTable(name, spec, options, stdin_names(options), defaults)


def known_agents() -> list[str]:
    return sorted({*AGENT_MODULES, *DROP_INS})
