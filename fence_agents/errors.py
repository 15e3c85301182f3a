"""One error hierarchy for every agent: each error carries the one line the user sees and the exit code.

Messages follow ClusterLabs fence-agents (``fencing.py``) so scripts that grep for them keep working.
"""

from __future__ import annotations

EXIT_SUCCESS = 0
EXIT_FAILURE = 1
EXIT_STATUS_OFF = 2  # `status` of a plug that is off, as upstream


class FenceError(Exception):
    """Base class. ``str(err)`` is the single line printed to the user; ``exit_code`` the process status."""

    exit_code = EXIT_FAILURE
    default_message = "Failed: Unknown error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)


class UsageError(FenceError):
    """Bad or missing options; printed followed by ``Please use '-h' for usage``."""

    default_message = "Failed: Invalid options"


class ConnectError(FenceError):
    default_message = "Unable to connect/login to fencing device"


class LoginError(FenceError):
    default_message = "Unable to connect/login to fencing device"


class ConnectionLost(FenceError):
    default_message = "Connection lost"


class OutputClosed(FenceError):
    """Our stdout was closed before we finished writing (``fence_x -o metadata | head``)."""

    default_message = "Failed: Standard output was closed before the output was complete"


class DeviceTimeout(FenceError):
    """The device did not answer within shell_timeout / login_timeout."""

    default_message = "Connection timed out"


class PlugNotFound(FenceError):
    default_message = "Failed: Unable to obtain correct plug status or plug is not available"


class StatusUnknown(FenceError):
    default_message = "Failed: Unable to obtain correct plug status or plug is not available"


class PowerTimeout(FenceError):
    """The state was not reached within power_timeout (message names the state)."""

    default_message = "Failed: Timed out waiting to power OFF"


class DeviceError(FenceError):
    """The device refused or failed a command (e.g. IPMI completion code, SNMP error)."""

    default_message = "Failed: Device reported an error"


class NotSupported(FenceError):
    """The device has no such operation."""

    def __init__(self, what: str) -> None:
        super().__init__(f"Failed: Action '{what}' is not supported by this device")
