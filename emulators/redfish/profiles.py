"""Vendor profiles: presets for the quirks users meet on real BMCs (see the issue's reference notes).

A profile only fills in defaults; every key of the config file still overrides it.

- ``generic``: every reset type we model, Basic auth and sessions, 204 to a reset.
- ``idrac``: Dell iDRAC9-like: ``System.Embedded.1``; GracefulRestart not allowed (R740xd answers 400);
  over the session limit ``503`` with ``IDRAC.2.8.RAC0218``.
- ``idrac10``: as ``idrac`` with HTTP Basic off (iDRAC10 1.30: "Unadvertised", 401 for Basic clients).
- ``ilo``: HPE iLO-like: a reset other than On/ForceOn/PushPowerButton of a powered-off system answers
  400 ``InvalidOperationForSystemState``.
- ``openbmc``: IBM OpenBMC-like: no ForceRestart among the AllowableValues (400 when asked).
- ``lagging``: PowerState reports the state of 2 s ago.
"""

from __future__ import annotations

from typing import Any

from emulators.redfish.power import ALL_RESET_TYPES

PROFILES: dict[str, dict[str, Any]] = {
    "generic": {},
    "idrac": {
        "system_prefix": "System.Embedded.",
        "manufacturer": "Dell Inc.",
        "model": "PowerEdge R740xd",
        "reset_types": [
            "On",
            "ForceOff",
            "ForceRestart",
            "GracefulShutdown",
            "PushPowerButton",
            "Nmi",
            "PowerCycle",
        ],
        "session_limit_message": "RAC0218",
    },  # fmt: skip
    "idrac10": {
        "system_prefix": "System.Embedded.",
        "manufacturer": "Dell Inc.",
        "model": "PowerEdge R770",
        "reset_types": [
            "On",
            "ForceOff",
            "ForceRestart",
            "GracefulShutdown",
            "PushPowerButton",
            "Nmi",
            "PowerCycle",
        ],
        "session_limit_message": "RAC0218",
        "basic_auth": False,
    },  # fmt: skip
    "ilo": {
        "manufacturer": "HPE",
        "model": "ProLiant DL380 Gen10",
        "reset_types": [
            "On",
            "ForceOff",
            "GracefulShutdown",
            "ForceRestart",
            "Nmi",
            "PushPowerButton",
            "GracefulRestart",
        ],
        "refuse_while_off": True,
    },  # fmt: skip
    "openbmc": {
        "system_prefix": "system",
        "manufacturer": "IBM",
        "model": "OpenBMC",
        "reset_types": ["On", "ForceOff", "GracefulShutdown", "GracefulRestart", "PowerCycle", "ForceOn"],
    },
    "lagging": {"state_lag": 2.0},
}

DEFAULTS: dict[str, Any] = {
    "system_prefix": "",  # system Ids: prefix + number ("1", "System.Embedded.1"); "system" alone if one
    "manufacturer": "fencelab",
    "model": "Emulated Redfish BMC",
    "reset_types": list(ALL_RESET_TYPES),
    "session_limit_message": "SessionLimitExceeded",
    "basic_auth": True,
    "refuse_while_off": False,
    "state_lag": 0.0,
}


def profile_defaults(name: str) -> dict[str, Any]:
    """The defaults of a profile (KeyError for an unknown name)."""
    return {**DEFAULTS, **PROFILES[name]}
