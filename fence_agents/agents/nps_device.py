"""fence_nps's device: one session with a WTI switch (the declaration is :mod:`fence_agents.agents.nps`).

The screens are parsed in :mod:`nps_screens`, the login is :mod:`cli_login`; this module moves text.
Imported only when an action runs.
"""

from __future__ import annotations

import re

from fence_agents.agents.cli_login import Timeouts, log_in
from fence_agents.agents.nps_screens import (
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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.request import Request
    from fence_agents.transports.base import Channel

MORE = r"Enter: "  # a paged screen waits for an empty line
CONFIRM = r"\(Y/N\)"  # a unit that still asks although the command ends in ",y"
MAX_PAGES = 64
# words a unit answers a command it did not carry out with ("Invalid plug: 9", "Access denied", ...)
REFUSAL = re.compile(r"\b(invalid|denied|not allowed|not permitted|error|failed)\b", re.IGNORECASE)


class NpsDevice(Device):
    """One session with a WTI switch."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.prompts = prompt_patterns(request.str("cmd_prompt"))
        self.timeouts = Timeouts(request)
        self.channel: Channel | None = None
        self._targets: dict[str, list[str]] = {}  # user's plug (lower) -> what to put in commands

    # -- session -----------------------------------------------------------------------------------
    def login(self) -> None:
        from fence_agents.transports.factory import open_channel

        self.channel = open_channel(self.request)
        if self.request.str("serial_port"):
            self.channel.sendline("")  # a serial line shows nothing until woken
        log_in(self.channel, self.request, self.prompts, self.timeouts.login, self.logout)

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
            found = channel.expect(patterns, self.timeouts.shell)
            text += found.before + "\n"
            if found.index < len(self.prompts):
                return text
            channel.sendline("")
        return text

    def command(self, verb: str, plug: str) -> None:
        """``/ON``, ``/OFF`` or ``/BOOT`` with the confirmation pre-answered, once per target plug."""
        for target in self.targets(plug):
            self._command_one(verb, target)

    def targets(self, plug: str) -> list[str]:
        """What to put in commands for the user's plug: the plug numbers (or the group) that this
        session's status read found for it (the Device contract guarantees that read came first), else
        the plug as given."""
        return self._targets.get(plug.strip().lower(), [plug.strip()])

    def _command_one(self, verb: str, target: str) -> None:
        channel = self._channel()
        channel.sendline(f"{verb} {target},y")
        patterns = [*self.prompts, CONFIRM]
        for _ in range(2):
            found = channel.expect(patterns, self.timeouts.command)
            refused = REFUSAL.search(found.before)
            if refused:  # /BOOT (method cycle) is not verified afterwards: a refusal must not pass silently
                line = next(ln for ln in found.before.splitlines() if REFUSAL.search(ln)).strip()
                raise DeviceError(f"Failed: the switch refused {verb} {target}: {channel.shown(line)}")
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
