"""fence_brocade: fabric fencing through a Brocade FC switch's CLI over telnet or ssh.

Same calling conventions as the stock agent: the plug is the switchshow port index (or ``slot/port`` on a
director); ``off`` runs ``portCfgPersistentDisable``, ``on`` (unfence) ``portCfgPersistentEnable``, so a
fence survives a switch reboot; status parses ``switchshow``. Fabric semantics: no reboot, default action
off, ``on`` automatic in metadata. ``list`` shows each port with the WWN logged in on it (the stock agent
shows no alias).
"""

from __future__ import annotations

import re
import time

from fence_agents.agents.brocade_switchshow import PortRow, find_port, parse_switchshow
from fence_agents.device import Device, PowerState
from fence_agents.errors import DeviceError, LoginError, PlugNotFound
from fence_agents.request import Request
from fence_agents.spec import AgentSpec
from fence_agents.transports.base import Channel, login_dialogue

DEFAULT_PROMPT = r"> "
LOGIN = r"login\s*: "
PASSWORD = r"(password|pass phrase)\s*:"
REFUSED = re.compile(r"error|invalid|usage|not found|denied", re.IGNORECASE)


class BrocadeDevice(Device):
    def __init__(self, request: Request) -> None:
        self.request = request
        self.prompt = request.str("cmd_prompt") or DEFAULT_PROMPT
        self.login_timeout = request.seconds("login_timeout", 5.0)
        self.shell_timeout = request.seconds("shell_timeout", 3.0)
        self.power_timeout = request.seconds("power_timeout", 20.0)
        self.channel: Channel | None = None
        self._rows: list[PortRow] = []  # the last switchshow table, to address a port without asking again

    # -- session -----------------------------------------------------------------------------------
    def login(self) -> None:
        from fence_agents.transports.factory import open_channel

        self.channel = open_channel(self.request)
        deadline = time.monotonic() + self.login_timeout
        patterns = [LOGIN, PASSWORD, self.prompt]
        sent_user = sent_password = False
        with login_dialogue(self.request.log, self.logout):
            while True:
                found = self.channel.expect(patterns, max(deadline - time.monotonic(), 0.0))
                if found.index == 2:
                    return
                if found.index == 0:
                    if sent_user:  # asked again: the switch refused the credentials
                        raise LoginError()
                    self.channel.sendline(self.request.login or "")
                    sent_user = True
                else:
                    if sent_password or self.request.password is None:
                        raise LoginError()
                    self.channel.sendline(self.request.password)
                    sent_password = True

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
        rows = parse_switchshow(self._run("switchshow", self.power_timeout))
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
        answer = self._run(f"{verb} {target}", self.power_timeout)
        refused = [line.strip() for line in answer.splitlines() if REFUSED.search(line)]
        if refused:  # FOS prints nothing on success
            raise DeviceError(f"Failed: switch refused {verb}: {refused[0]}")

    def list_plugs(self) -> dict[str, str]:
        return {row.index: row.attached_wwn for row in self._ports()}

    def list_status(self) -> dict[str, tuple[str, PowerState]]:
        return {
            row.index: (row.attached_wwn, PowerState.OFF if row.disabled else PowerState.ON)
            for row in self._ports()
        }


def connect(request: Request) -> Device:
    return BrocadeDevice(request)


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
    connect=connect,
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
