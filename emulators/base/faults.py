"""The fault plan: what a device does wrong, and when. Pure: decisions and counters, no I/O.

A plan is a list of ``FaultSpec``. Command faults (latency, drop, hang, garbage) are matched against a command
key the device model derives from an input line (``"/s"``, ``"/on"``, ``"login"``...; ``"*"`` matches every
command); relay faults (stuck, lie) name plugs/ports; ``refuse-login`` rejects every login, right or wrong.
``after`` skips that many matching commands before the fault starts; ``times`` limits how often it fires
(0 = for ever). ``wrong-prompt`` makes the device show ``text`` where its command prompt belongs.
HTTP devices (Redfish) also know ``server-error`` (a command fault: answer status ``code``, nothing run) and
``tls-fail`` (``FaultPlan.tls_fail()``: the next TLS handshake fails); line devices ignore both.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class FaultKind(enum.Enum):
    LATENCY = "latency"  # answer only after `seconds`
    DROP = "drop"  # run the command, send half the answer, close the connection
    HANG = "hang"  # never answer again on this connection (command not run)
    GARBAGE = "garbage"  # run the command, answer noise instead of the text (no prompt)
    REFUSE_LOGIN = "refuse-login"  # every login fails, even with the right credentials
    STUCK = "stuck"  # relay ignores power changes; the device still says it did them
    LIE = "lie"  # relay reports a state it is not in
    WRONG_PROMPT = "wrong-prompt"  # the command prompt is `text` instead of the configured one
    SERVER_ERROR = "server-error"  # HTTP devices: answer status `code` (default 500), command not run
    TLS_FAIL = "tls-fail"  # TLS devices: the handshake fails (an alert instead of a server hello)


COMMAND_KINDS = (FaultKind.LATENCY, FaultKind.DROP, FaultKind.HANG, FaultKind.GARBAGE, FaultKind.SERVER_ERROR)
LIE_STATES = ("on", "off", "invert")


class FaultError(ValueError):
    """A fault description that cannot be understood (message is one line, for the user)."""


@dataclass
class FaultSpec:
    kind: FaultKind
    command: str = "*"
    seconds: float = 0.0
    plugs: tuple[str, ...] = ()  # empty = every plug/port
    state: str = "invert"  # for LIE: the state reported ("on", "off") or "invert"
    text: str = "Command:"  # for WRONG_PROMPT: the prompt shown
    after: int = 0
    times: int = 0
    code: int = 500  # for SERVER_ERROR: the HTTP status answered
    fired: int = field(default=0, compare=False)
    seen: int = field(default=0, compare=False)

    def matches_command(self, key: str) -> bool:
        return self.command == "*" or self.command.lower() == key.lower()

    def matches_plug(self, plug: str) -> bool:
        return not self.plugs or plug.lower() in (p.lower() for p in self.plugs)

    def take(self) -> bool:
        """Count one matching occasion; true when the fault fires on it."""
        self.seen += 1
        if self.seen <= self.after or (self.times and self.fired >= self.times):
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class CommandFault:
    """What the driver does with one command: wait `latency` seconds, then `effect` (None = answer)."""

    latency: float = 0.0
    effect: FaultKind | None = None
    code: int = 500  # the status of a SERVER_ERROR effect


NO_FAULT = CommandFault()


class FaultPlan:
    """The faults of one device, shared by all its sessions. Mutable at run time (``add``, ``clear``)."""

    def __init__(self, specs: Iterable[FaultSpec] = ()) -> None:
        self.specs: list[FaultSpec] = list(specs)

    def add(self, spec: FaultSpec) -> None:
        self.specs.append(spec)

    def clear(self) -> None:
        self.specs.clear()

    def __bool__(self) -> bool:
        return bool(self.specs)

    def on_command(self, key: str) -> CommandFault:
        latency = 0.0
        effect: FaultKind | None = None
        code = 500
        for spec in self.specs:
            if spec.kind not in COMMAND_KINDS or not spec.matches_command(key) or not spec.take():
                continue
            if spec.kind is FaultKind.LATENCY:
                latency += spec.seconds
            elif effect is None:
                effect, code = spec.kind, spec.code
        return CommandFault(latency, effect, code) if latency or effect else NO_FAULT

    def tls_fail(self) -> bool:
        """Whether this TLS handshake fails (counts one occasion)."""
        return any(s.take() for s in self.specs if s.kind is FaultKind.TLS_FAIL)

    def refuse_login(self) -> bool:
        return any(s.take() for s in self.specs if s.kind is FaultKind.REFUSE_LOGIN)

    def is_stuck(self, plug: str) -> bool:
        return any(s.kind is FaultKind.STUCK and s.matches_plug(plug) for s in self.specs)

    def prompt(self, configured: str) -> str:
        """The prompt a device shows: the configured one unless a WRONG_PROMPT fault replaces it."""
        for s in self.specs:
            if s.kind is FaultKind.WRONG_PROMPT:
                return s.text
        return configured

    def reported(self, plug: str, actual_on: bool) -> bool:
        """The state a relay reports: the truth unless a LIE fault covers the plug."""
        for s in self.specs:
            if s.kind is FaultKind.LIE and s.matches_plug(plug):
                return (not actual_on) if s.state == "invert" else s.state == "on"
        return actual_on


def fault_from_mapping(data: Mapping[str, object]) -> FaultSpec:
    """A FaultSpec from a TOML table or parsed flag (kind, command, seconds, plugs, state, after, times)."""
    unknown = set(data) - {"kind", "command", "seconds", "plugs", "state", "after", "times", "text", "code"}
    if unknown:
        raise FaultError(f"unknown fault field '{sorted(unknown)[0]}'")
    raw_kind = str(data.get("kind", "")).lower().replace("_", "-")
    try:
        kind = FaultKind(raw_kind)
    except ValueError:
        names = ", ".join(k.value for k in FaultKind)
        raise FaultError(f"unknown fault kind '{raw_kind}' (one of {names})") from None
    plugs = data.get("plugs", ())
    if isinstance(plugs, str | int):
        plugs = [p for p in str(plugs).replace("+", ",").split(",") if p]
    if not isinstance(plugs, list | tuple):
        raise FaultError("fault plugs must be a list or a comma-separated string")
    state = str(data.get("state", "invert")).lower()
    if state not in LIE_STATES:
        raise FaultError(f"fault state must be one of {', '.join(LIE_STATES)}")
    try:
        seconds = float(data.get("seconds", 0.0))  # type: ignore[arg-type]
        after = int(data.get("after", 0))  # type: ignore[call-overload]
        times = int(data.get("times", 0))  # type: ignore[call-overload]
        code = int(data.get("code", 500))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise FaultError("fault seconds/after/times/code must be numbers") from None
    if not 400 <= code <= 599:
        raise FaultError("fault code must be an HTTP error status (400-599)")
    if seconds < 0 or after < 0 or times < 0:
        raise FaultError("fault seconds/after/times must not be negative")
    if kind is FaultKind.LATENCY and seconds == 0:
        raise FaultError("a latency fault needs seconds > 0")
    command = str(data.get("command", "*"))
    text = str(data.get("text", "Command:"))
    plug_names = tuple(str(p) for p in plugs)
    return FaultSpec(kind, command, seconds, plug_names, state, text, after, times, code=code)


def parse_fault(text: str) -> FaultSpec:
    """Parse a command-line fault: ``KIND[:key=value,...]``, e.g. ``latency:command=/S,seconds=0.5``,
    ``stuck:plugs=1+2``, ``lie:plugs=3,state=on``, ``drop:command=/on,after=1,times=1``,
    ``wrong-prompt:text=SYS>``."""
    kind, _, rest = text.partition(":")
    fields: dict[str, object] = {"kind": kind}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise FaultError(f"fault '{text}': expected key=value, got '{item}'")
        fields[key.strip()] = value.strip()
    return fault_from_mapping(fields)
