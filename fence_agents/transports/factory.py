"""Choosing and opening the transport a request asks for: serial, ssh or telnet."""

from __future__ import annotations

import socket

from fence_agents.options import COMMON
from fence_agents.request import Request
from fence_agents.secret import Redactor
from fence_agents.transports.base import Channel


def address_family(request: Request) -> int:
    if request.flag("inet4_only"):
        return socket.AF_INET
    if request.flag("inet6_only"):
        return socket.AF_INET6
    return socket.AF_UNSPEC


def open_channel(request: Request, *, telnet_port: int = 23, ssh_port: int = 22) -> Channel:
    """Serial when ``serial_port`` is set, ssh when ``secure`` is true, else telnet.

    ``login_timeout`` bounds the connection set-up (TCP connect, ssh handshake and authentication).
    An explicit ``ipport`` wins over the transport's default port.
    """
    log = request.log
    secrets = Redactor(request.secret_values, keep=[request.login or ""])
    timeout = request.seconds("login_timeout", 10.0)
    serial_port = request.str("serial_port")
    if serial_port:
        from fence_agents.transports.serial import SerialChannel

        speed = request.int("serial_speed", int(COMMON["serial_speed"].default or 9600))
        return SerialChannel.open(serial_port, speed, log, secrets)
    host = request.ipaddr or ""
    secure = request.flag("secure")
    port = request.int("ipport", 0) or (ssh_port if secure else telnet_port)
    if secure:
        from fence_agents.transports.ssh import SshChannel

        ssh_options = request.str("ssh_options") or ""
        if request.flag("inet4_only"):
            ssh_options += " -4"
        elif request.flag("inet6_only"):
            ssh_options += " -6"
        return SshChannel.open(
            host,
            port,
            timeout,
            log,
            username=request.login,
            password=request.password,
            identity_file=request.str("identity_file") or None,
            ssh_options=ssh_options,
            secrets=secrets,
        )
    from fence_agents.transports.telnet import TelnetChannel

    return TelnetChannel.open(host, port, timeout, log, secrets, address_family(request))
