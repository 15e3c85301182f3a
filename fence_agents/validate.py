"""Checking an agent's options before it touches a device, with upstream's messages.

:func:`problems` returns every problem in upstream's order (a normal run reports the first and stops,
``validate-all`` reports them all). :func:`canonical_choices` fixes the spelling of select values, which
are matched case-insensitively. Pure: the only outside fact read is whether an identity file exists.
"""

from __future__ import annotations

import math
import os

from fence_agents.options import INSTEAD_OF_ADDRESS
from fence_agents.spec import Action, AgentSpec, Option, OptType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

SELF_CHECKED = frozenset({"login", "passwd", "passwd_script", "ipaddr", "port"})


def flag_name(opt: Option) -> str:
    return f"--{opt.long}" if opt.long else f"-{opt.short}" if opt.short else opt.key


def is_integer(text: str) -> bool:
    try:
        return int(text.strip()) >= 0
    except ValueError:
        return False


def is_seconds(text: str) -> bool:
    try:
        value = float(text.strip())
    except ValueError:
        return False
    return math.isfinite(value) and value >= 0


def canonical_choices(table: Mapping[str, Option], values: Mapping[str, str]) -> dict[str, str]:
    """Select values in their declared spelling (``CYCLE`` -> ``cycle``); unknown ones left as given."""
    result = dict(values)
    for key, opt in table.items():
        if opt.choices and key in result:
            for choice in opt.choices:
                if result[key].lower() == choice.lower():
                    result[key] = choice
    return result


def _is_set(values: Mapping[str, str], key: str) -> bool:
    return bool(values.get(key))


def _as_given(text: str) -> str:
    return text


def problems(
    spec: AgentSpec,
    table: Mapping[str, Option],
    values: Mapping[str, str],
    port_as_ip: bool = False,
    shown: Callable[[str], str] = _as_given,
) -> list[str]:
    """Every validation failure, each as the one line upstream prints (without the usage hint).

    ``shown`` masks echoed input (a path given by the user) before it goes into a message."""
    found: list[str] = []
    required = set(spec.required)
    if "login" in required and "login" in table and not _is_set(values, "login"):
        found.append("Failed: You have to set login name")
    addressed = any(_is_set(values, key) for key in ("ipaddr", *INSTEAD_OF_ADDRESS))
    if "ipaddr" in table and not addressed:
        found.append("Failed: You have to enter fence address")
    if "passwd" in required and not (_is_set(values, "passwd") or _is_set(values, "passwd_script")):
        if "identity_file" in table and not _is_set(values, "identity_file"):
            found.append("Failed: You have to enter password, password script or identity file")
        elif "identity_file" not in table:
            found.append("Failed: You have to enter password or password script")
    identity = values.get("identity_file")
    if identity:
        if values.get("secure") != "1":
            found.append("Failed: You have to use identity file together with ssh connection (-x)")
        elif not os.path.isfile(identity):
            found.append(f"Failed: Identity file {shown(identity)} does not exist")
    needs_plug = spec.plug_required and not port_as_ip and "port" in table
    if needs_plug and values.get("action") not in Action.NO_PLUG and not _is_set(values, "port"):
        found.append("Failed: You have to enter plug number or machine identification")
    for key in sorted(required - SELF_CHECKED):
        if key in table and not _is_set(values, key):
            found.append(f"Failed: You have to set {flag_name(table[key])}")
    for key, opt in table.items():
        if opt.choices and key in values and values[key] not in opt.choices:
            listed = "[" + ", ".join(repr(c) for c in opt.choices) + "]"
            what = f"a valid choice for {flag_name(opt)} from the valid values: {listed}"
            found.append(f"Failed: You have to enter {what}")
    for key, opt in table.items():
        if key not in values:
            continue
        if opt.type is OptType.INTEGER and not is_integer(values[key]):
            found.append(f"Failed: The value you have entered for {flag_name(opt)} is not a valid integer")
        elif key == "ipport" and not 0 < int(values[key]) < 65536:  # else each transport fails its own way
            found.append(f"Failed: The value you have entered for {flag_name(opt)} is not a port (1-65535)")
        elif opt.type is OptType.SECOND and not is_seconds(values[key]):
            found.append(
                f"Failed: The value you have entered for {flag_name(opt)} is not a valid time in seconds"
            )
    return found
