"""Front ends against real clients: a raw telnet socket, the telnet binary, ssh, the pty serial line."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import time
from collections.abc import Iterator

import asyncssh
import pytest

from emulators.base.faults import FaultPlan, parse_fault
from emulators.base.front_ends import Listen, device_server
from emulators.base.lines import ECHO, SGA, WILL
from emulators.base.testing import FdTestClient, PtyTestClient, TelnetTestClient, ThreadedServer
from emulators.nps.model import NpsModel, NpsSettings
from harness.pytest_plugin import require_tool


def start(listen: Listen | None = None, faults: list[str] = (), **settings: object) -> ThreadedServer:
    model = NpsModel(NpsSettings(relay_delay=0.0, **settings), FaultPlan(parse_fault(f) for f in faults))  # type: ignore[arg-type]
    return ThreadedServer(device_server(model, listen or Listen()))


@pytest.fixture
def nps_thread() -> Iterator[ThreadedServer]:
    """An NPS DeviceServer on a background thread with telnet, ssh and a pty serial line."""
    with start(Listen(ssh_port=0, serial=True)) as srv:
        yield srv


def telnet_login(srv: ThreadedServer) -> TelnetTestClient:
    client = TelnetTestClient("127.0.0.1", srv.telnet_port)
    client.expect("Enter Password: ")
    client.sendline("redhat123")
    client.expect("NPS> ")
    return client


def test_telnet_negotiates_and_never_echoes_the_password(nps_thread: ThreadedServer) -> None:
    client = TelnetTestClient("127.0.0.1", nps_thread.telnet_port)
    client.expect("Enter Password: ")
    assert (WILL, ECHO) in client.commands and (WILL, SGA) in client.commands
    client.sendline("redhat123")
    after_login = client.expect("NPS> ")
    assert "redhat123" not in after_login and b"redhat123" not in client.raw
    client.sendline("/s")
    table = client.expect("NPS> ")
    assert table.startswith("/s\r\n")  # commands are echoed
    assert " 8   | Outlet8" in table
    client.sendline("/x")
    assert "Disconnected" in client.read_until_closed()


def test_starts_and_stops_fast() -> None:
    began = time.monotonic()
    srv = start(Listen(ssh_port=0, serial=True))
    with srv:
        started = time.monotonic() - began
    assert started < 1.0 and time.monotonic() - began < 1.5  # typically 0.05 s (0.35 s with the ssh import)


def test_ports_bound_on_loopback(nps_thread: ThreadedServer) -> None:
    info = nps_thread.server.info()
    assert info["host"] == "127.0.0.1" and set(info["ports"]) == {"telnet", "ssh"}
    assert all(p > 0 for p in info["ports"].values()) and info["serial"].startswith("/dev/pts/")


def test_real_telnet_binary(nps_thread: ThreadedServer) -> None:
    telnet = require_tool("telnet")
    master, slave = pty.openpty()
    proc = subprocess.Popen([telnet, "127.0.0.1", str(nps_thread.telnet_port)], stdin=slave, stdout=slave,
                            stderr=slave, start_new_session=True)  # fmt: skip
    os.close(slave)
    try:
        term = FdTestClient(master, timeout=5)
        term.expect("Enter Password: ")
        term.send("redhat123\r")
        assert "redhat123" not in term.expect("NPS> ")
        term.send("/off 3,y\r")
        term.expect("NPS> ")
        term.send("/S\r")
        assert "| Outlet3          | (undefined) |  OFF   |" in term.expect("NPS> ")
        term.send("/X\r")
        term.expect("Connection closed by foreign host")
        assert proc.wait(timeout=5) in (0, 1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        term.close()


async def _ssh_dialogue(port: int, password: str) -> str:
    async with asyncssh.connect(
        "127.0.0.1", port, username="admin", password=password, known_hosts=None, client_keys=None
    ) as conn:
        proc = await conn.create_process(term_type="vt100")
        out = ""
        while not out.endswith("NPS> "):
            out += await asyncio.wait_for(proc.stdout.read(4096), 3)
        proc.stdin.write("/on 2,y\r\n/S\r\n")
        table = ""
        while table.count("NPS> ") < 2:
            table += await asyncio.wait_for(proc.stdout.read(4096), 3)
        return table


def test_ssh_password_auth_and_shell(nps_thread: ThreadedServer) -> None:
    table = asyncio.run(_ssh_dialogue(nps_thread.server.ports["ssh"], "redhat123"))
    assert "Processing - please wait" in table and " 2   | Outlet2" in table
    with pytest.raises(asyncssh.PermissionDenied):
        asyncio.run(_ssh_dialogue(nps_thread.server.ports["ssh"], "wrong"))


def test_serial_pty_waits_for_enter_and_serves_again_after_logout(nps_thread: ThreadedServer) -> None:
    assert nps_thread.server.serial_path is not None
    line = PtyTestClient(nps_thread.server.serial_path)
    try:
        assert line.silent_for(0.2)  # a console says nothing until you press Enter
        line.send("\r")
        line.expect("Enter Password: ")
        line.send("redhat123\r")
        line.expect("NPS> ")
        line.send("/S\r")
        assert "Outlet1" in line.expect("NPS> ")
        line.send("/X\r")
        line.expect("Disconnected")
        line.send("\r")
        line.expect("Enter Password: ")
    finally:
        line.close()


def test_single_session_refuses_a_second_connection() -> None:
    with start(single_session=True) as srv:
        first = telnet_login(srv)
        second = TelnetTestClient("127.0.0.1", srv.telnet_port)
        assert "another session is active" in second.read_until_closed()
        first.sendline("/x")
        first.read_until_closed()
        telnet_login(srv).close()


def test_latency_fault() -> None:
    with start(faults=["latency:command=/S,seconds=0.3"]) as srv:
        client = telnet_login(srv)
        began = time.monotonic()
        client.sendline("/S")
        client.expect("NPS> ")
        assert time.monotonic() - began >= 0.3
        began = time.monotonic()
        client.sendline("/H")
        client.expect("NPS> ")
        assert time.monotonic() - began < 0.3


def test_drop_fault_runs_the_command_then_hangs_up() -> None:
    with start(faults=["drop:command=/off"]) as srv:
        client = telnet_login(srv)
        client.sendline("/off 1,y")
        assert "NPS>" not in client.read_until_closed()
        assert not srv.call(lambda: srv.server.model.outlet_states()["1"])


def test_hang_fault_keeps_the_connection_silent() -> None:
    with start(faults=["hang:command=/s"]) as srv:
        client = telnet_login(srv)
        client.sendline("/S")
        client.expect("/S\r\n")  # the echo of what was typed
        assert client.silent_for(0.3)
        client.close()


def test_garbage_fault_answers_noise_without_a_prompt() -> None:
    with start(faults=["garbage:command=/s,times=1"]) as srv:
        client = telnet_login(srv)
        client.sendline("/S")
        with pytest.raises(TimeoutError):
            client.expect("NPS>", timeout=0.3)
        assert "Plug |" not in client.buffer and len(client.buffer.strip()) > 20
        client.sendline("/S")
        assert "Plug |" in client.expect(r"\|\r\nNPS> ")


def test_refuse_login_and_connect_hang() -> None:
    with start(faults=["refuse-login"], login_attempts=1) as srv:
        client = TelnetTestClient("127.0.0.1", srv.telnet_port)
        client.expect("Enter Password: ")
        client.sendline("redhat123")
        assert "Invalid password" in client.read_until_closed()
    with start(faults=["hang:command=connect"]) as srv:
        client = TelnetTestClient("127.0.0.1", srv.telnet_port)
        assert client.silent_for(0.3)
        client.close()


def test_stop_closes_open_sessions() -> None:
    srv = start()
    with srv:
        client = telnet_login(srv)
    client.read_until_closed(timeout=2)


def test_idle_timeout_hangs_up_and_frees_the_single_session() -> None:
    with start(single_session=True, idle_timeout=0.3) as srv:
        idle = telnet_login(srv)
        began = time.monotonic()
        assert "Session timed out." in idle.read_until_closed(timeout=3)
        assert time.monotonic() - began >= 0.25
        telnet_login(srv).close()  # the unit is free again


def test_a_quiet_serial_line_does_not_take_the_single_session() -> None:
    with start(Listen(serial=True), single_session=True) as srv:
        assert srv.server.serial_path is not None
        line = PtyTestClient(srv.server.serial_path)
        try:
            first = telnet_login(srv)  # the console is idle: telnet gets the unit
            line.send("\r")
            line.expect("another session is active")
            first.sendline("/x")
            first.read_until_closed()
            line.send("\r")
            line.expect("Enter Password: ")
        finally:
            line.close()
