"""The standard front ends (telnet, ssh, pty serial line) chosen by a :class:`Listen`, and a DeviceServer
built with them: the one place that knows the concrete front-end classes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emulators.base.host import FrontEnd
from emulators.base.model import DeviceModel
from emulators.base.server import DeviceServer
from emulators.base.wiring import Wiring


@dataclass
class Listen:
    """Which standard front ends to run. A port of None switches that front end off; 0 picks a free port."""

    host: str = "127.0.0.1"
    telnet_port: int | None = 0
    ssh_port: int | None = None
    serial: bool = False


def standard_front_ends(listen: Listen) -> list[FrontEnd]:
    from emulators.base.serial import SerialFrontEnd
    from emulators.base.telnet import TelnetFrontEnd

    wanted: list[FrontEnd] = []
    if listen.telnet_port is not None:
        wanted.append(TelnetFrontEnd(listen.host, listen.telnet_port))
    if listen.ssh_port is not None:
        from emulators.base.ssh import SshFrontEnd  # asyncssh is only imported when ssh is wanted

        wanted.append(SshFrontEnd(listen.host, listen.ssh_port))
    if listen.serial:
        wanted.append(SerialFrontEnd())
    return wanted


def device_server(
    model: DeviceModel,
    listen: Listen | None = None,
    wiring: Wiring | None = None,
    extra_front_ends: Sequence[FrontEnd] = (),
) -> DeviceServer:
    """A server for ``model`` with the standard front ends ``listen`` asks for, then ``extra_front_ends``
    (a device's own transports: the BMC's UDP, SNMP, NBD)."""
    listen = listen or Listen()
    return DeviceServer(model, [*standard_front_ends(listen), *extra_front_ends], wiring, listen.host)
