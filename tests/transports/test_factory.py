"""open_channel picks serial, ssh or telnet from the request, with the right default port."""

from __future__ import annotations

import asyncio
import os
import tty

import pytest

from fence_agents.errors import ConnectError
from fence_agents.request import Request
from fence_agents.transports.factory import open_channel
from fence_agents.transports.serial import SerialChannel
from fence_agents.transports.ssh import SshChannel
from fence_agents.transports.telnet import TelnetChannel

from .servers import LoopThread


def request(**values: str) -> Request:
    return Request.of("fence_nps", values, frozenset({"passwd"}))


async def prompt(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"NPS> ")
    await writer.drain()
    await reader.read()


def test_telnet_default_and_explicit_port() -> None:
    with LoopThread(lambda: asyncio.start_server(prompt, "127.0.0.1", 0)) as srv:
        ch = open_channel(request(ipaddr="127.0.0.1", login_timeout="2"), telnet_port=srv.port)
        assert isinstance(ch, TelnetChannel)
        ch.expect(["NPS>"], 2.0)
        ch.close()
        ch = open_channel(request(ipaddr="127.0.0.1", ipport=str(srv.port), inet4_only="1"))
        ch.expect(["NPS>"], 2.0)
        ch.close()


def test_secure_false_word_means_telnet() -> None:
    # ssh=0 must not select ssh (the upstream presence bug); nothing listens on port 1: a telnet error
    with pytest.raises(ConnectError):
        open_channel(request(ipaddr="127.0.0.1", secure="0", login_timeout="1"), telnet_port=1, ssh_port=1)


def test_ssh_chosen_when_secure() -> None:
    asyncssh = pytest.importorskip("asyncssh")
    key = asyncssh.generate_private_key("ssh-ed25519")

    class Server(asyncssh.SSHServer):  # type: ignore[misc]
        def begin_auth(self, username: str) -> bool:
            return False  # no authentication needed

    async def handle(process):  # type: ignore[no-untyped-def]
        process.stdout.write("NPS> ")
        await process.stdin.read()

    async def start():  # type: ignore[no-untyped-def]
        return await asyncssh.create_server(
            Server, "127.0.0.1", 0, server_host_keys=[key], process_factory=handle
        )

    with LoopThread(start) as srv:
        req = request(ipaddr="127.0.0.1", secure="yes", login="x", ssh_options="-o StrictHostKeyChecking=no")
        ch = open_channel(req, ssh_port=srv.port)
        assert isinstance(ch, SshChannel)
        ch.expect(["NPS>"], 2.0)
        ch.close()


def test_serial_wins_over_everything() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        req = request(ipaddr="127.0.0.1", secure="1", serial_port=os.ttyname(slave), serial_speed="19200")
        ch = open_channel(req)
        assert isinstance(ch, SerialChannel)
        os.write(master, b"NPS> ")
        ch.expect(["NPS>"], 2.0)
        ch.close()
    finally:
        os.close(master)
        os.close(slave)
