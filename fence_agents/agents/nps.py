"""fence_nps: fence agent for WTI Network Power Switches (NPS, IPS, RPC...) over telnet, ssh or a serial line.

A drop-in for the stock ``fence_wti`` calling conventions (same options and defaults, plug numbers, plug
names and plug groups), plus ``--serial-port``/``--serial-speed`` for a switch on an RS-232 line.
The screens are parsed in :mod:`nps_screens`, the login is :mod:`nps_login`; this module moves text.
Nothing heavy is imported at module load: ``-o metadata`` stays fast.
"""

from __future__ import annotations

import re
import time

from fence_agents.agents.nps_login import LoginDialogue, Step
from fence_agents.agents.nps_screens import (
    DEFAULT_PROMPTS,
    Group,
    PlugRow,
    combined_state,
    find_group,
    find_plugs,
    parse_group_table,
    parse_status_table,
    prompt_patterns,
)
from fence_agents.device import Device, PowerState
from fence_agents.errors import ConnectionLost, DeviceError, PlugNotFound
from fence_agents.request import Request
from fence_agents.spec import AgentSpec, Option, OptType
from fence_agents.transports.base import Channel, login_dialogue

MORE = r"Enter: "  # a paged screen waits for an empty line
CONFIRM = r"\(Y/N\)"  # a unit that still asks although the command ends in ",y"
MAX_PAGES = 64
# words a unit answers a command it did not carry out with ("Invalid plug: 9", "Access denied", ...)
REFUSAL = re.compile(r"\b(invalid|denied|not allowed|not permitted|error|failed)\b", re.IGNORECASE)
DEFAULT_COMMAND_TIMEOUT = 20.0  # upstream's power_timeout


class NpsDevice(Device):
    """One session with a WTI switch."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.prompts = prompt_patterns(request.str("cmd_prompt"))
        self.login_timeout = request.seconds("login_timeout", 10.0)
        self.shell_timeout = request.seconds("shell_timeout", 3.0)
        # the prompt after /ON or /OFF may wait for the relay; power_timeout 0 (disable_timeout) means
        # "poll for ever", which must not become "no time at all" for one answer
        self.command_timeout = request.seconds("power_timeout", 20.0) or DEFAULT_COMMAND_TIMEOUT
        self.channel: Channel | None = None
        self._targets: dict[str, list[str]] = {}  # user's plug (lower) -> what to put in commands

    # -- session -----------------------------------------------------------------------------------
    def login(self) -> None:
        from fence_agents.transports.factory import open_channel

        self.channel = open_channel(self.request)
        dialogue = LoginDialogue(self.prompts, bool(self.request.login), bool(self.request.password))
        deadline = time.monotonic() + self.login_timeout
        if self.request.str("serial_port"):
            self.channel.sendline("")  # a serial line shows nothing until woken
        with login_dialogue(self.request.log, self.logout):
            while True:
                found = self.channel.expect(dialogue.patterns, deadline - time.monotonic())
                step = dialogue.react(found.index)
                if step is Step.DONE:
                    return
                if step is Step.SEND_USER:
                    self.channel.sendline(self.request.login or "")
                elif step is Step.SEND_PASSWORD and self.request.password is not None:
                    self.channel.sendline(self.request.password)

    def logout(self) -> None:
        channel, self.channel = self.channel, None
        if channel is not None:
            channel.leave("/X")

    def _channel(self) -> Channel:
        if self.channel is None:
            raise ConnectionLost()
        return self.channel

    # -- commands ----------------------------------------------------------------------------------
    def screen(self, command: str) -> str:
        """Send a listing command, answer every ``Enter: `` page, return all pages up to the prompt."""
        channel = self._channel()
        channel.sendline(command)
        text = ""
        patterns = [*self.prompts, MORE]
        for _ in range(MAX_PAGES):
            found = channel.expect(patterns, self.shell_timeout)
            text += found.before + "\n"
            if found.index < len(self.prompts):
                return text
            channel.sendline("")
        return text

    def command(self, verb: str, plug: str) -> None:
        """``/ON``, ``/OFF`` or ``/BOOT`` with the confirmation pre-answered, once per target plug."""
        for target in self._targets.get(plug.strip().lower(), [plug.strip()]):
            self._command_one(verb, target)

    def _command_one(self, verb: str, target: str) -> None:
        channel = self._channel()
        channel.sendline(f"{verb} {target},y")
        patterns = [*self.prompts, CONFIRM]
        for _ in range(2):
            found = channel.expect(patterns, self.command_timeout)
            refused = REFUSAL.search(found.before)
            if refused:  # /BOOT (method cycle) is not verified afterwards: a refusal must not pass silently
                line = next(ln for ln in found.before.splitlines() if REFUSAL.search(ln)).strip()
                raise DeviceError(f"Failed: the switch refused {verb} {target}: {line}")
            if found.index < len(self.prompts):
                return
            channel.sendline("y")

    def plugs(self) -> list[PlugRow]:
        return parse_status_table(self.screen("/S"))

    def groups(self) -> list[Group]:
        return parse_group_table(self.screen("/SG"))

    # -- the Device interface ----------------------------------------------------------------------
    def get_power(self, plug: str | None) -> PowerState:
        wanted = (plug or "").strip()
        rows = find_plugs(self.plugs(), wanted)
        if rows:
            # names are commanded by plug number: unambiguous on every firmware, and a name shared by
            # several plugs switches all of them (units resolve a name to its first plug only)
            self._targets[wanted.lower()] = [row.plug for row in rows]
            return combined_state(rows)
        group = find_group(self.groups(), wanted)
        if group is None:
            raise PlugNotFound()
        self._targets[wanted.lower()] = [group.name]
        return group.state

    def set_power(self, plug: str | None, state: PowerState) -> None:
        self.command("/ON" if state is PowerState.ON else "/OFF", plug or "")

    def cycle(self, plug: str | None) -> None:
        self.command("/BOOT", plug or "")

    def list_plugs(self) -> dict[str, str]:
        return {plug: alias for plug, (alias, _state) in self.list_status().items()}

    def list_status(self) -> dict[str, tuple[str, PowerState]]:
        found = {row.plug: (row.name, row.state) for row in self.plugs()}
        for group in self.groups():
            found.setdefault(group.name, (group.name, group.state))
        return found


def connect(request: Request) -> Device:
    return NpsDevice(request)


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
    connect=connect,
    uses=("ipaddr", "login", "passwd", "port", "secure", "cmd_prompt", "method"),
    options=(
        Option(
            "serial_port",
            "serial-port",
            None,
            OptType.STRING,
            shortdesc="Serial device the switch is attached to (instead of telnet or ssh)",
            metavar="device",
        ),
        Option(
            "serial_speed",
            "serial-speed",
            None,
            OptType.INTEGER,
            "9600",
            shortdesc="Speed of the serial line in baud",
            metavar="baud",
        ),
    ),
    defaults={"login_timeout": "10", "cmd_prompt": repr(list(DEFAULT_PROMPTS))},
)


def main() -> int:
    from fence_agents.main import run

    return run(SPEC)
