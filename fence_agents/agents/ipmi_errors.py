"""What went wrong with a BMC, as one clear line: login failures and IPMI completion codes. Pure.

Login failures keep upstream's ``Unable to connect/login to fencing device`` prefix (scripts grep for it)
and add the reason the BMC gave, which the stock agent hides behind ipmitool's output.
"""

from __future__ import annotations

from fence_agents.errors import ConnectError, ConnectionLost, DeviceError, FenceError, LoginError

PRIVILEGE_NAMES = {1: "callback", 2: "user", 3: "operator", 4: "administrator", 5: "oem"}
PRIVILEGE_LEVELS = {name: level for level, name in PRIVILEGE_NAMES.items()}

CC_INSUFFICIENT_PRIVILEGE = 0xD4
CC_NOT_IN_PRESENT_STATE = 0xD5
COMPLETION_CODES = {
    0xC0: "node busy",
    0xC1: "invalid command",
    0xC3: "timeout while processing the command",
    0xC7: "request data length invalid",
    0xC9: "parameter out of range",
    0xCC: "invalid data field in request",
    0xCE: "command response could not be provided",
    0xD0: "BMC busy (firmware update?)",
    0xD4: "insufficient privilege level",
    0xD5: "command not supported in present state",
    0xD6: "command disabled",
    0xFF: "unspecified error",
}

LOGIN_PREFIX = LoginError.default_message


def login_failure(reason: str, username: str, privilege: int) -> FenceError:
    """Map pyghmi's login error text to one line naming the cause."""
    text = reason.lower()
    level = PRIVILEGE_NAMES.get(privilege, str(privilege))
    if "incorrect password" in text:
        return LoginError(f"{LOGIN_PREFIX}: wrong password for user '{username}'")
    if "unauthorized name" in text:
        return LoginError(f"{LOGIN_PREFIX}: the BMC has no user '{username}'")
    if "invalid role" in text or "unauthorized role" in text or "privelege level" in text:
        lower = PRIVILEGE_NAMES.get(privilege - 1, "a lower level")
        return LoginError(
            f"{LOGIN_PREFIX}: user '{username}' may not log in at privilege level {level}"
            f" (try --privlvl={lower})"
        )
    if "rakp4" in text or "kg" in text:
        return LoginError(f"{LOGIN_PREFIX}: the BMC key (Kg) does not match")
    if "cipher" in text or "algorithm" in text:
        return LoginError(f"{LOGIN_PREFIX}: no common cipher suite ({reason})")
    if "timeout" in text or "no longer connected" in text or "failed to initialize" in text:
        return ConnectError(f"{LOGIN_PREFIX}: no answer from the BMC")
    return LoginError(f"{LOGIN_PREFIX}: {reason}")


def completion_failure(what: str, code: int, username: str, privilege: int) -> FenceError:
    """A command the BMC answered with a non-zero completion code."""
    level = PRIVILEGE_NAMES.get(privilege, str(privilege))
    if code == CC_INSUFFICIENT_PRIVILEGE:
        return DeviceError(
            f"Failed: the BMC refused {what}: insufficient privilege for user '{username}' at level {level}"
            " (power control needs operator or administrator)"
        )
    if code == CC_NOT_IN_PRESENT_STATE and what == "power cycle":
        return DeviceError(
            "Failed: the BMC refused power cycle because the chassis is off (completion code 0xd5);"
            " power it on instead, or use --method=onoff"
        )
    meaning = COMPLETION_CODES.get(code, "unknown completion code")
    return DeviceError(f"Failed: the BMC refused {what}: {meaning} (completion code {code:#04x})")


def lost(what: str, reason: str) -> FenceError:
    return ConnectionLost(f"Connection lost: no answer from the BMC to {what} ({reason})")
