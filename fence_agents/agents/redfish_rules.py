"""fence_redfish's decisions, pure: which ResetType to send, which system a plug names, how PowerState reads,
and the one line a DMTF error body boils down to. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fence_agents.device import PowerState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RESET_ACTION = "#ComputerSystem.Reset"
ALLOWABLE = "ResetType@Redfish.AllowableValues"

# What each fence operation sends, in order of preference; the first the BMC allows wins. Without
# AllowableValues the first is sent (the stock agent's choice: On, ForceOff, Nmi).
PREFERENCES: dict[str, tuple[str, ...]] = {
    "on": ("On", "ForceOn"),
    "off": ("ForceOff",),  # never a graceful shutdown: fencing must cut power now
    "cycle": ("ForceRestart", "PowerCycle"),
    "diag": ("Nmi",),
}


class NoResetType(Exception):
    """The BMC allows none of the reset types this operation may use."""

    def __init__(self, operation: str, allowed: Sequence[str]) -> None:
        self.operation, self.allowed = operation, tuple(allowed)
        wanted = " or ".join(PREFERENCES[operation])
        super().__init__(f"the BMC does not allow {wanted} (it allows {', '.join(allowed) or 'nothing'})")


def allowable_values(
    system: Mapping[str, Any], action_info: Mapping[str, Any] | None = None
) -> list[str] | None:
    """ResetType@Redfish.AllowableValues of the system's Reset action, else the ActionInfo's ResetType
    parameter; None when the service says nothing (then any type may be tried)."""
    action = (system.get("Actions") or {}).get(RESET_ACTION) or {}
    values = action.get(ALLOWABLE)
    if isinstance(values, list):
        return [str(v) for v in values]
    for param in (action_info or {}).get("Parameters") or []:
        if isinstance(param, Mapping) and param.get("Name") == "ResetType":
            found = param.get("AllowableValues")
            if isinstance(found, list):
                return [str(v) for v in found]
    return None


def choose_reset(operation: str, allowed: Sequence[str] | None) -> str:
    """The ResetType for ``operation`` (on, off, cycle, diag); NoResetType when none is allowed."""
    preferred = PREFERENCES[operation]
    if allowed is None:
        return preferred[0]
    for kind in preferred:
        if kind in allowed:
            return kind
    raise NoResetType(operation, allowed)


def reset_target(system: Mapping[str, Any]) -> str | None:
    target = ((system.get("Actions") or {}).get(RESET_ACTION) or {}).get("target")
    return str(target) if isinstance(target, str) and target else None


def power_state(value: Any, wanted: PowerState | None) -> PowerState:
    """Stock reading: only ``Off`` is off, anything else (PoweringOff, Paused...) still has power. While we
    wait for ON, ``PoweringOn`` is not yet ON: success is claimed only when the BMC says ``On``."""
    text = value.strip() if isinstance(value, str) else None
    if text is None:
        return PowerState.UNKNOWN
    if text == "Off":
        return PowerState.OFF
    if text != "On" and wanted is PowerState.ON:
        return PowerState.OFF
    return PowerState.ON


def member_uris(collection: Mapping[str, Any]) -> list[str]:
    members = collection.get("Members")
    if not isinstance(members, list):
        return []
    return [str(m["@odata.id"]) for m in members if isinstance(m, Mapping) and "@odata.id" in m]


def last_segment(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def match_by_uri(plug: str, uris: Sequence[str]) -> str | None:
    """A plug naming a member by its URI or its last path segment (the Id in every service we know)."""
    wanted = plug.strip().rstrip("/").lower()
    for uri in uris:
        if wanted in (uri.rstrip("/").lower(), last_segment(uri).lower()):
            return uri
    return None


def matches_document(plug: str, system: Mapping[str, Any]) -> bool:
    """A plug naming a system by its Id, Name, HostName or UUID (case-insensitive)."""
    wanted = plug.strip().lower()
    return any(
        isinstance(system.get(key), str) and str(system[key]).strip().lower() == wanted
        for key in ("Id", "Name", "HostName", "UUID")
    )


def error_detail(status: int, body: Any) -> str:
    """``HTTP 400 ActionParameterValueNotInList: The value 'X' ...`` from a DMTF error body (or just the
    status when the body says nothing usable)."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return f"HTTP {status}"
    infos = error.get("@Message.ExtendedInfo")
    info = infos[0] if isinstance(infos, list) and infos and isinstance(infos[0], Mapping) else {}
    code = str(info.get("MessageId") or error.get("code") or "")
    text = str(info.get("Message") or error.get("message") or "").strip()
    name = code.rsplit(".", 1)[-1] if code else ""
    detail = f"HTTP {status}" + (f" {name}" if name else "")
    return f"{detail}: {text}" if text else detail
