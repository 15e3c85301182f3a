"""The telnet client against real servers on 127.0.0.1: a raw asyncio one and a telnetlib3 one."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import pytest

from fence_agents.errors import ConnectError, ConnectionLost, DeviceTimeout
from fence_agents.secret import Secret
from fence_agents.transports.telnet import TelnetChannel
from fence_agents.transports.telnet_protocol import DO, IAC, OPT_ECHO, OPT_SGA, WILL, WONT

from .servers import LoopThread

LOG = logging.getLogger("test.telnet")
TTYPE = 24


def raw_server(handler):  # type: ignore[no-untyped-def]
    return LoopThread(lambda: asyncio.start_server(handler, "127.0.0.1", 0))


async def negotiating_device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Asks for options like a real unit, checks our answers, then a password prompt and a command."""
    writer.write(bytes([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, TTYPE]) + b"Enter Password: ")
    answers = await reader.readexactly(9)
    expected = bytes([IAC, 253, OPT_ECHO, IAC, 253, OPT_SGA, IAC, WONT, TTYPE])
    if answers != expected:
        writer.write(b"BAD NEGOTIATION " + answers.hex().encode())
    password = await reader.readuntil(b"\r\n")
    writer.write(b"\r\nNPS> " if password == b"s3cret\r\n" else b"\r\nInvalid password\r\n")
    line = await reader.readuntil(b"\r\n")
    writer.write(line + b"Plug | Name |\r\n" + bytes([IAC, IAC]) + b"\r\x00NPS> ")
    await writer.drain()
    writer.close()


def test_login_dialogue_with_negotiation(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with raw_server(negotiating_device) as srv:
        ch = TelnetChannel.open("127.0.0.1", srv.port, 2.0, LOG, ["s3cret"])
        assert ch.expect(["password: "], 2.0).index == 0
        ch.sendline(Secret("s3cret"))
        ch.expect(["NPS>", "invalid"], 2.0)
        ch.sendline("/S")
        got = ch.expect(["NPS>"], 2.0)
        assert "Plug | Name |" in got.before and "\xff" not in got.before.replace("\ufffd", "")
        with pytest.raises(ConnectionLost):
            ch.expect(["NPS>"], 2.0)
        ch.close()
    assert "s3cret" not in caplog.text


def test_connect_refused_fails_fast() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: refused
        start = time.monotonic()
        with pytest.raises(ConnectError) as err:
            TelnetChannel.open("127.0.0.1", port, 5.0, LOG)
    assert time.monotonic() - start < 1.0
    assert str(err.value) == "Unable to connect/login to fencing device"


def test_unresolvable_host() -> None:
    with pytest.raises(ConnectError):
        TelnetChannel.open("no-such-host.invalid", 23, 1.0, LOG)


def test_silent_device_times_out_at_deadline() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    with raw_server(silent) as srv:
        ch = TelnetChannel.open("127.0.0.1", srv.port, 2.0, LOG)
        start = time.monotonic()
        with pytest.raises(DeviceTimeout):
            ch.expect(["NPS>"], 0.3)
        assert 0.25 < time.monotonic() - start < 1.0
        ch.close()


def test_against_telnetlib3_server() -> None:
    import telnetlib3  # a test dependency (pyproject test extras): no skip

    async def shell(reader, writer):  # type: ignore[no-untyped-def]
        writer.write("Enter Password: ")
        line = await telnetlib3.readline_async(reader, writer)
        writer.write("\r\nNPS> " if line == "pw" else "\r\nInvalid password\r\n")
        line = await telnetlib3.readline_async(reader, writer)
        writer.write(f"\r\nyou said {line}\r\nNPS> ")
        await writer.drain()

    async def start():  # type: ignore[no-untyped-def]
        return await telnetlib3.create_server(host="127.0.0.1", port=0, shell=shell, connect_maxwait=2.0)

    with LoopThread(start) as srv:
        began = time.monotonic()
        ch = TelnetChannel.open("127.0.0.1", srv.port, 2.0, LOG)
        ch.expect(["password: "], 3.0)
        # our prompt answers finish the server's negotiation long before its 2 s connect_maxwait
        assert time.monotonic() - began < 1.5
        ch.sendline(Secret("pw"))
        assert ch.expect(["NPS>", "invalid"], 2.0).index == 0
        ch.sendline("/S")
        assert "you said /S" in ch.expect(["NPS>"], 2.0).before
        ch.close()
