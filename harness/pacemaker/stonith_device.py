"""One Pacemaker stonith primitive of a translation, and the time one fence action through it may take.

Pure: the agent's option table and the parameters in, the primitive's element out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from lxml import etree

from .cib_xml import primitive
from .fence_agents_table import AgentTable

PACEMAKER_DEFAULT_TIMEOUT = 60  # seconds: stonith-timeout's default, also each device action's


@dataclass
class StonithDevice:
    device: str  # the <fencedevice> name
    rid: str
    agent: str  # installed name
    table: AgentTable
    params: dict[str, str]  # stdin name -> value (shared by every node this primitive fences)
    settings: tuple[tuple[str, str], ...]  # the per-node settings that made this primitive (key)
    reboot_action: str | None
    plugs: dict[str, list[str]] = field(default_factory=dict)  # node -> plugs, in first-use order
    plug_method: dict[str, int] = field(default_factory=dict)  # node -> the method that gave its plugs
    unfencing: bool = False
    line: int | None = None

    def element(self, delay_base: int) -> etree._Element:
        params = dict(self.params)
        nodes = list(self.plugs)
        if any(self.plugs.values()):
            params["pcmk_host_map"] = ";".join(f"{n}:{','.join(p)}" for n, p in self.plugs.items())
        else:
            params["pcmk_host_argument"] = "none"  # addressed by ip only: no plug to send
        params["pcmk_host_list"] = ",".join(nodes)
        params["pcmk_host_check"] = "static-list"
        if self.reboot_action:
            params["pcmk_reboot_action"] = self.reboot_action
        timeout = self.timeout()
        if timeout > PACEMAKER_DEFAULT_TIMEOUT:
            for action in ("reboot", "off", "on"):
                params[f"pcmk_{action}_timeout"] = f"{timeout}s"
        if delay_base:
            params["pcmk_delay_base"] = f"{delay_base}s"
        meta = {"provides": "unfencing"} if self.unfencing else {}
        ops = [{"name": "monitor", "interval": "60s"}]
        return primitive(self.rid, "stonith", self.agent, params, meta, ops)

    def timeout(self) -> int:
        """A bound on one fence action of the agent (login, off and on each waited for, prompts)."""
        values = {**self.table.defaults}
        for name, value in self.params.items():
            key = self.table.key(name)
            if key:
                values[key] = value

        def seconds(key: str) -> float:
            try:
                return float(values.get(key, "0").rstrip("s") or 0)
            except ValueError:
                return 0.0

        total = (
            seconds("delay")
            + seconds("login_timeout")
            + 2 * (seconds("power_wait") + seconds("power_timeout") + seconds("shell_timeout"))
        )
        return int(math.ceil(total))
