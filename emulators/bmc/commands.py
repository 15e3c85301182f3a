"""The IPMI commands the emulated BMC answers, over the chassis model (a mixin of ``EmulatedBmc``).

Get Chassis Status (a fault plan may make it lie), Chassis Control, Get/Set System Boot Options
(parameter 5, the boot flags ``ipmitool chassis bootdev`` sets), Get Device ID (``mc info``), Get System
GUID and Cold Reset. Privileges are checked before dispatch (:func:`rmcpplus.authorize`).
"""

from __future__ import annotations

import struct
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.base.faults import FaultPlan
from emulators.bmc import rmcpplus
from emulators.bmc.chassis import OUTLET, Chassis

CC_PARAMETER_NOT_SUPPORTED = 0x80
CC_INVALID_COMMAND = 0xC1
CC_DATA_LENGTH_INVALID = 0xC7
CC_UNSPECIFIED_ERROR = 0xFF


@dataclass(frozen=True)
class Identity:
    """What ``mc info`` shows (Get Device ID)."""

    device_id: int = 0x20
    device_revision: int = 1
    firmware: tuple[int, int] = (1, 0x42)  # major, minor (BCD)
    manufacturer_id: int = 0x0002A2  # 674, Dell (any IANA number: clients only print it)
    product_id: int = 0x0100


def request_key(netfn: int, command: int, data: bytes) -> str:
    """The name a fault plan uses for one request (``status``, ``off``, ``cycle``, ``mc_info``...)."""
    if (netfn, command) == (rmcpplus.NETFN_CHASSIS, 0x01):
        return "status"
    if (netfn, command) == (rmcpplus.NETFN_CHASSIS, 0x02) and data:
        names = {0: "off", 1: "on", 2: "cycle", 3: "reset", 4: "diag", 5: "soft"}
        return names.get(data[0], "power")
    if (netfn, command) == (rmcpplus.NETFN_APP, 0x01):
        return "mc_info"
    return f"{netfn:#04x}:{command:#04x}"


class ChassisCommands:
    """Command handlers; the host class provides ``chassis``, ``faults``, ``identity`` and ``uuid``."""

    chassis: Chassis
    faults: FaultPlan
    identity: Identity
    uuid: uuid.UUID

    def handle_raw_request(self, request: Any, session: Any) -> None:
        handlers: dict[tuple[int, int], Callable[[Any, Any], None]] = {
            (rmcpplus.NETFN_CHASSIS, 0x01): self.get_chassis_status,
            (rmcpplus.NETFN_CHASSIS, 0x02): self.control_chassis,
            (rmcpplus.NETFN_CHASSIS, 0x08): self.set_system_boot_options,
            (rmcpplus.NETFN_CHASSIS, 0x09): self.get_system_boot_options,
            (rmcpplus.NETFN_APP, 0x01): self.get_device_id,
            (rmcpplus.NETFN_APP, 0x02): self.cold_reset,
            (rmcpplus.NETFN_APP, 0x37): self.get_system_guid,
        }
        handler = handlers.get((request["netfn"], request["command"]))
        if handler is None:
            session.send_ipmi_response(code=CC_INVALID_COMMAND)
            return
        try:
            handler(request, session)
        except Exception as err:  # a bug here must not kill the BMC: answer "unspecified error"
            print(f"bmc: internal error: {err!r}", file=sys.stderr, flush=True)
            session.send_ipmi_response(code=CC_UNSPECIFIED_ERROR)

    def reported_on(self) -> bool:
        return self.faults.reported(OUTLET, self.chassis.is_on())

    def get_chassis_status(self, request: Any, session: Any) -> None:
        on = self.reported_on()
        restore_policy_previous = 0b01 << 5
        last_event_by_command = 0b1_0000 if self.chassis.counters.last_command else 0
        session.send_ipmi_response(data=[restore_policy_previous | int(on), last_event_by_command, 0, 0])

    def control_chassis(self, request: Any, session: Any) -> None:
        data = request["data"]
        if not data:
            session.send_ipmi_response(code=CC_DATA_LENGTH_INVALID)
            return
        self.chassis.stuck = self.faults.is_stuck(OUTLET)
        session.send_ipmi_response(code=self.chassis.control(data[0]))

    def get_device_id(self, request: Any, session: Any) -> None:
        ident = self.identity
        chassis_device = 0x80  # additional device support: chassis device
        data = [ident.device_id, ident.device_revision & 0x0F, ident.firmware[0] & 0x7F, ident.firmware[1]]
        data += [0x02, chassis_device]  # IPMI version 2.0 (BCD, minor in the high nibble)
        data += list(struct.pack("<I", ident.manufacturer_id)[:3]) + list(struct.pack("<H", ident.product_id))
        data += [0, 0, 0, 0]  # auxiliary firmware revision
        session.send_ipmi_response(data=data)

    def get_system_guid(self, request: Any, session: Any) -> None:
        session.send_ipmi_response(data=list(self.uuid.bytes_le))

    def cold_reset(self, request: Any, session: Any) -> None:
        session.send_ipmi_response()  # the emulated controller "restarts" instantly; sessions survive

    def get_system_boot_options(self, request: Any, session: Any) -> None:
        data = request["data"]
        selector = data[0] & 0x7F if data else -1
        if selector == 5:
            session.send_ipmi_response(data=[1, 5, *self.chassis.boot_flags])
        elif selector == 0:
            session.send_ipmi_response(data=[1, 0, 0])
        else:
            session.send_ipmi_response(code=CC_PARAMETER_NOT_SUPPORTED)

    def set_system_boot_options(self, request: Any, session: Any) -> None:
        data = bytes(request["data"])
        selector = data[0] & 0x7F if data else -1
        if selector == 5 and len(data) >= 6:
            self.chassis.boot_flags = data[1:6]
            session.send_ipmi_response()
        elif selector in (0, 3, 4):
            session.send_ipmi_response()  # set-in-progress, service partition, boot info ack: accepted
        else:
            session.send_ipmi_response(code=CC_PARAMETER_NOT_SUPPORTED)
