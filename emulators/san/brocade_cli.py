"""A Brocade Fabric OS-style CLI session over the pure :class:`Switch`: a line in, text out.

Login (telnet): ``<switch> login: `` then ``Password: ``; over ssh the transport already authenticated.
Prompt ``<switch>:<user>> ``. Commands (case-insensitive, as on FOS): ``switchshow``, ``portshow N``,
``portdisable N``, ``portenable N``, ``portcfgpersistentdisable N``, ``portcfgpersistentenable N``,
``reboot`` (runtime state lost, persistent disables kept; the session ends), ``help``, ``exit``/``logout``.

``switchshow`` never prints a blank line after the ``=====`` separator: the stock fence_brocade indexes the
first character of every later line and would crash on an empty one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from emulators.base.model import Reply, Session
from emulators.san.switch import Port, Switch, UnknownPort

EOL = "\r\n"
SEPARATOR = "=" * 50


def port_line(port: Port, domain: int = 1, enabled: bool | None = None) -> str:
    """One switchshow row; ``enabled`` is the state to show (a lie fault may differ from the truth)."""
    shown = port.enabled if enabled is None else enabled
    address = f"{domain:02x}{port.index:02x}00"
    state = "Online" if port.online else "No_Light"
    if not shown:
        comment = "Disabled (Persistent)" if port.persistent_disabled else "Disabled"
    elif port.online:
        comment = f"F-Port  {port.wwpn or ''}".rstrip()
    else:
        comment = ""
    cells = f"{port.index:>3} {port.index:>3}   {address}   id    {port.speed}   {state:<11} FC  {comment}"
    return cells.rstrip()


def switchshow(switch: Switch, domain: int = 1) -> list[str]:
    online = any(p.online for p in switch.ports.values())
    lines = [
        f"switchName:\t{switch.name}",
        "switchType:\t71.2",
        f"switchState:\t{'Online' if online else 'Offline'}",
        "switchMode:\tNative",
        "switchRole:\tPrincipal",
        f"switchDomain:\t{domain}",
        f"switchId:\tfffc{domain:02x}",
        f"switchWwn:\t10:00:00:05:1e:fe:{domain:02x}:00",
        "zoning:\t\tOFF",
        "switchBeacon:\tOFF",
        "",
        "Index Port Address Media Speed State       Proto",
        SEPARATOR,
    ]
    return lines + [port_line(p, domain, switch.reported_enabled(p)) for p in switch.sorted_ports()]


def portshow(port: Port) -> list[str]:
    if not port.enabled:
        reason = "Persistently disabled" if port.persistent_disabled else "Disabled by user"
    else:
        reason = "None"
    return [
        f"portIndex: {port.index:>3}",
        f"portName: {port.name}",
        f"portHealth: {'HEALTHY' if port.online else 'No Fabric Watch License'}",
        "",
        f"portDisableReason: {reason}",
        f"portState: {'1    Online' if port.online else '2    Offline'}",
        f"portPhys:  {'6    In_Sync' if port.online else '2    No_Light'}",
        f"portFlags: 0x{0x24B03 if port.enabled else 0x20001:x}",
        f"portWwn of device(s) connected:\n\t{port.wwpn or ''}".rstrip(),
        f"Host: {port.host or ''}".rstrip(),
    ]


class BrocadeSession(Session):
    def __init__(
        self,
        switch: Switch,
        users: Mapping[str, str],
        user: str | None = None,
        on_reboot: Callable[[], None] | None = None,
        refuse_login: Callable[[], bool] = lambda: False,
    ) -> None:
        self.switch = switch
        self.users = users
        self.user = user  # set: already authenticated (ssh)
        self.on_reboot = on_reboot
        self.refuse_login = refuse_login
        self._login_name: str | None = None

    @property
    def prompt(self) -> str:
        return f"{self.switch.name}:{self.user}> "

    def _login_prompt(self) -> str:
        return f"{self.switch.name} login: "

    def greet(self, now: float) -> Reply:
        if self.user is not None:
            return Reply(self.prompt)
        return Reply(f"{EOL}Fabric OS ({self.switch.name}){EOL}{EOL}{self._login_prompt()}")

    def command_key(self, line: str) -> str:
        if self.user is None:
            return "login"
        return line.strip().split(" ", 1)[0].lower()

    def handle_line(self, line: str, now: float) -> Reply:
        if self.user is None:
            return self._login(line)
        words = line.split()
        if not words:
            return Reply(self.prompt)
        command, args = words[0].lower(), words[1:]
        if command in ("exit", "logout", "quit"):
            return Reply("", close=True)
        if command == "reboot":
            self.switch.reboot()
            if self.on_reboot is not None:
                self.on_reboot()
            return Reply(
                f"Broadcast message from root: The system is going down for reboot NOW!{EOL}", close=True
            )
        handler = self._commands().get(command)
        if handler is None:
            return self._say([f"rbash: {words[0]}: command not found"])
        return self._say(handler(args))

    def _say(self, lines: list[str]) -> Reply:
        body = EOL.join(lines)
        return Reply((body + EOL if body else "") + self.prompt)

    def _login(self, line: str) -> Reply:
        if self._login_name is None:
            self._login_name = line.strip()
            return Reply("Password: ", secret=True)
        name, self._login_name = self._login_name, None
        if not self.refuse_login() and name in self.users and self.users[name] == line:
            self.user = name
            return Reply(self.prompt)
        return Reply(f"{EOL}Login incorrect{EOL}{self._login_prompt()}")

    def _commands(self) -> dict[str, Callable[[list[str]], list[str]]]:
        return {
            "switchshow": lambda args: switchshow(self.switch),
            "portshow": self._portshow,
            "portdisable": lambda args: self._set(args, False, persistent=False),
            "portenable": lambda args: self._set(args, True, persistent=False),
            "portcfgpersistentdisable": lambda args: self._set(args, False, persistent=True),
            "portcfgpersistentenable": lambda args: self._set(args, True, persistent=True),
            "help": lambda args: sorted([*self._commands(), "exit", "reboot"]),
        }

    def _port(self, args: list[str]) -> Port | str:
        if len(args) != 1:
            return "Usage: <command> [slot/]port"
        text = args[0].rsplit("/", 1)[-1]  # "0/3" (slot/port) or "3"
        try:
            return self.switch.port(int(text))
        except (ValueError, UnknownPort):
            return f"error: invalid port number {args[0]}"

    def _portshow(self, args: list[str]) -> list[str]:
        port = self._port(args)
        return [port] if isinstance(port, str) else portshow(port)

    def _set(self, args: list[str], enabled: bool, persistent: bool) -> list[str]:
        port = self._port(args)
        if isinstance(port, str):
            return [port]
        self.switch.set_enabled(port.index, enabled, persistent=persistent, via="cli")
        return []
