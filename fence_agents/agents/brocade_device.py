"""fence_brocade's device: one CLI session with a Brocade switch (declaration: :mod:`.brocade`).

``off`` runs ``portCfgPersistentDisable``, ``on`` (unfence) ``portCfgPersistentEnable``, so a fence survives
a switch reboot; status parses ``switchshow``. Imported only when an action runs.
"""

from __future__ import annotations

import re

from fence_agents.agents.brocade import DEFAULT_PROMPT
from fence_agents.agents.brocade_switchshow import PortRow, find_port, parse_switchshow
from fence_agents.agents.cli_login import Timeouts, log_in
from fence_agents.device import Device, PowerState
from fence_agents.errors import DeviceError, PlugNotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.request import Request
    from fence_agents.transports.base import Channel

REFUSED = re.compile(r"error|invalid|usage|not found|denied", re.IGNORECASE)


class BrocadeDevice(Device):
    def __init__(self, request: Request) -> None:
        self.request = request
        self.prompt = request.str("cmd_prompt") or DEFAULT_PROMPT
        self.timeouts = Timeouts(request)
        self.channel: Channel | None = None
        self._rows: list[PortRow] = []  # the last switchshow table, to address a port without asking again

    # -- session -----------------------------------------------------------------------------------
    def login(self) -> None:
        from fence_agents.transports.factory import open_channel

        self.channel = open_channel(self.request)
        log_in(self.channel, self.request, [self.prompt], self.timeouts.login, self.logout)

    def logout(self) -> None:
        channel, self.channel = self.channel, None
        if channel is not None:
            channel.leave("exit")

    def _run(self, command: str, timeout: float) -> str:
        assert self.channel is not None, "login first"
        self.channel.sendline(command)
        return self.channel.expect([self.prompt], timeout).before

    # -- device interface --------------------------------------------------------------------------
    def _ports(self) -> list[PortRow]:
        rows = parse_switchshow(self._run("switchshow", self.timeouts.command))
        if not rows:
            raise DeviceError("Failed: switchshow printed no port table")
        self._rows = rows
        return rows

    def _row(self, plug: str | None, fresh: bool = True) -> PortRow:
        row = find_port(self._ports() if fresh or not self._rows else self._rows, plug or "")
        if row is None:
            raise PlugNotFound()
        return row

    def get_power(self, plug: str | None) -> PowerState:
        return PowerState.OFF if self._row(plug).disabled else PowerState.ON

    def set_power(self, plug: str | None, state: PowerState) -> None:
        row = self._row(plug, fresh=False)  # the framework read the status just before
        verb = "portCfgPersistentEnable" if state is PowerState.ON else "portCfgPersistentDisable"
        target = f"{row.slot}/{row.port}" if row.slot is not None else row.index
        answer = self._run(f"{verb} {target}", self.timeouts.command)
        refused = [line.strip() for line in answer.splitlines() if REFUSED.search(line)]
        if refused and self.channel is not None:  # FOS prints nothing on success
            raise DeviceError(f"Failed: switch refused {verb}: {self.channel.shown(refused[0])}")

    def list_plugs(self) -> dict[str, str]:
        return {row.index: row.attached_wwn for row in self._ports()}

    def list_status(self) -> dict[str, tuple[str, PowerState]]:
        return {
            row.index: (row.attached_wwn, PowerState.OFF if row.disabled else PowerState.ON)
            for row in self._ports()
        }
