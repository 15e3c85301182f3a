"""clusvcadm's messages and exit status (rgmanager.md §2), pure.

Line 1 is the action prefix, ``...``, then rg_strerror(result); enable/relocate/restart that worked add
``service:www is now running on node1`` (``Warning: `` first when -m named another node).
"""

from __future__ import annotations

from cluster.rm.events import UserOp
from cluster.rm.state import RgError, rg_strerror

EXIT_USAGE = 1
_VERBS = {
    UserOp.ENABLE: "trying to enable",
    UserOp.DISABLE: "disabling",
    UserOp.STOP: "stopping",
    UserOp.RESTART: "trying to restart",
    UserOp.FREEZE: "freezing",
    UserOp.UNFREEZE: "unfreezing",
}
_STARTS = (UserOp.ENABLE, UserOp.RELOCATE, UserOp.RESTART)


def service_name(name: str) -> str:
    """``service:`` is prepended when the name has no type."""
    return name if ":" in name else f"service:{name}"


def action_prefix(op: UserOp, service: str, member: str | None = None) -> str:
    service = service_name(service)
    if op is UserOp.RELOCATE:
        return f"Trying to relocate {service}" + (f" to {member}" if member else "") + "..."
    who = f"Member {member}" if member else "Local machine"
    return f"{who} {_VERBS[op]} {service}..."


def result_lines(
    op: UserOp, service: str, code: int, member: str | None = None, owner: str | None = None
) -> list[str]:
    """Everything clusvcadm prints for one request and its result."""
    lines = [action_prefix(op, service, member) + rg_strerror(code)]
    if code == RgError.SUCCESS and op in _STARTS and owner:
        warning = "Warning: " if member and owner != member else ""
        lines.append(f"{warning}{service_name(service)} is now running on {owner}")
    return lines


def exit_status(code: int) -> int:
    """The RG_E code as a byte (-1 -> 255), except "already running", which is success."""
    if code == RgError.ERUN:
        return 0
    return code & 0xFF


def lockdown_line(locked: bool) -> str:
    return "Resource groups locked" if locked else "Resource groups unlocked"


def member_lookup_lines(name: str, matches: list[str]) -> list[str]:
    """An unknown -m/-n member: the message and the closest-match hint."""
    lines = [f"'{name}' not in membership list"]
    if len(matches) == 1:
        lines.append(f"Closest match: '{matches[0]}'")
    elif not matches:
        lines.append(f"No matches for '{name}' found")
    else:
        lines.append(f"More than one possible match for '{name}' found")
    return lines
