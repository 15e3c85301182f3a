"""NPS configuration (TOML) -> NpsSettings, fault plan and wiring.

```toml
kind = "nps"                 # optional
model = "NPS-115"            # banner: "Network Power Switch v1.43  (NPS-115)"
firmware = "1.43"
prompt = "NPS>"              # or RSM> MPC> IPS> TPS> NBB> VMR>
password = "redhat123"       # password-only login (classic NPS) ...
# users = { admin = "secret" }   # ... or user + password (IPS/RPC style)
login_attempts = 3
relay_delay = 0.5            # seconds from command to relay switching
boot_delay = 0.5             # default per-plug /BOOT off time
page_rows = 16               # /S rows per page (0: no paging)
single_session = false
idle_timeout = 0             # seconds without input before the unit hangs up (0: never)
telnet_port = 0              # 0 = any free port, false = off
ssh_port = 0
serial = false
plugs = 8                    # or a list of tables:
# [[plugs]]
# number = 1                 # default: position in the list
# name = "iscsi1"
# state = "on"               # initial state
# boot_delay = 0.5
# default = "on"
# wire = ["sleep", "1000"]   # process powered by this plug (or a string, split like a shell)
[groups]                     # group name -> plug numbers or names
# web = [1, 2]
# [[faults]]  kind = "latency", command = "/S", seconds = 0.2    (see emulators/base/faults.py)
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emulators.base.config import ConfigError, Table, command_argv, faults_from, listen_from
from emulators.base.faults import FaultPlan
from emulators.base.front_ends import Listen
from emulators.nps.settings import PROMPTS, NpsSettings, Plug

MAX_PLUGS = 256


def _state(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("on", "off"):
        return value.lower() == "on"
    raise ConfigError(f'{where} must be "on" or "off"')


def _plugs(table: Table, boot_delay: float) -> tuple[list[Plug], dict[str, list[str]]]:
    raw = table.raw("plugs", 8)
    wires: dict[str, list[str]] = {}
    if isinstance(raw, int) and not isinstance(raw, bool):
        if not 1 <= raw <= MAX_PLUGS:
            raise ConfigError(f"plugs must be between 1 and {MAX_PLUGS}")
        return [Plug(n, f"Outlet{n}", boot_delay=boot_delay) for n in range(1, raw + 1)], wires
    if not isinstance(raw, list) or not raw or len(raw) > MAX_PLUGS:
        raise ConfigError(f"plugs must be a count or a list of 1..{MAX_PLUGS} plug tables")
    plugs: list[Plug] = []
    for i, item in enumerate(raw):
        t = Table(item, f"plugs[{i}]")
        number = t.get("number", int, i + 1)
        if number < 1 or any(p.number == number for p in plugs):
            raise ConfigError(f"plugs[{i}].number {number} is not a new positive number")
        name = t.get("name", str, f"Outlet{number}")
        if not name.strip() or "|" in name or "," in name:
            raise ConfigError(f"plugs[{i}].name must be non-empty, without '|' or ','")
        on = _state(t.raw("state", "on"), f"plugs[{i}].state")
        default_on = _state(t.raw("default", "on"), f"plugs[{i}].default")
        delay = t.get("boot_delay", float, boot_delay)
        if "wire" in t.data:
            wires[str(number)] = command_argv(t.raw("wire"), f"plugs[{i}].wire")
        t.finish()
        plugs.append(Plug(number, name, on, delay, default_on))
    return plugs, wires


def _groups(table: Table, plugs: list[Plug]) -> dict[str, list[int]]:
    raw = table.get("groups", dict, {})
    by_name = {p.name.lower(): p.number for p in plugs}
    numbers = {p.number for p in plugs}
    groups: dict[str, list[int]] = {}
    for name, members in raw.items():
        if not name.strip() or "|" in name or "," in name:
            raise ConfigError(f"group name {name!r} must be non-empty, without '|' or ','")
        if not isinstance(members, list) or not members:
            raise ConfigError(f"groups.{name} must be a non-empty list of plug numbers or names")
        resolved = []
        for m in members:
            n = m if isinstance(m, int) and not isinstance(m, bool) else by_name.get(str(m).lower())
            if n not in numbers:
                raise ConfigError(f"groups.{name}: no plug {m!r}")
            resolved.append(n)
        groups[name] = resolved
    return groups


def settings_from(
    config: dict[str, Any],
    where: str = "config",
    fault_flags: Sequence[str] = (),
    wire_flags: Mapping[str, list[str]] | None = None,
) -> tuple[NpsSettings, FaultPlan, Listen, dict[str, list[str]]]:
    """An NPS from one config table (+ --fault/--wire flags): settings, faults, listen, wires."""
    t = Table(config, where)
    boot_delay = t.get("boot_delay", float, 0.5)
    plugs, wires = _plugs(t, boot_delay)
    users = t.get("users", dict, {})
    if not all(isinstance(v, str) for v in users.values()):
        raise ConfigError("users must map user names to password strings")
    prompt = t.get("prompt", str, "NPS>")
    if prompt not in PROMPTS:
        raise ConfigError(f"prompt must be one of {' '.join(PROMPTS)}")
    settings = NpsSettings(
        plugs=plugs,
        groups=_groups(t, plugs),
        password=t.get("password", str, "redhat123"),
        users=dict(users),
        prompt=prompt,
        model=t.get("model", str, "NPS-115"),
        firmware=t.get("firmware", str, "1.43"),
        site_id=t.get("site_id", str, "(undefined)"),
        relay_delay=t.get("relay_delay", float, 0.5),
        login_attempts=t.get("login_attempts", int, 3),
        page_rows=t.get("page_rows", int, 16),
        single_session=t.get("single_session", bool, False),
        username_prompt=t.get("username_prompt", str, "Login: "),
        idle_timeout=t.get("idle_timeout", float, 0.0),
    )
    if (
        settings.relay_delay < 0
        or boot_delay < 0
        or settings.idle_timeout < 0
        or any(p.boot_delay < 0 for p in plugs)
    ):
        raise ConfigError("delays must not be negative")
    if settings.login_attempts < 1 or settings.page_rows < 0:
        raise ConfigError("login_attempts must be >= 1 and page_rows >= 0")
    wire_flags = wire_flags or {}
    for outlet in wire_flags:
        if not (outlet.isascii() and outlet.isdigit()) or int(outlet) not in {p.number for p in plugs}:
            raise ConfigError(f"--wire {outlet}: no such plug")
    wires.update(wire_flags)
    faults = faults_from(t, fault_flags)
    listen = listen_from(t)
    t.finish()
    return settings, faults, listen, wires
