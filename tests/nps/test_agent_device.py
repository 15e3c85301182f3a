"""NpsDevice against a tiny scripted unit on 127.0.0.1: the branches the emulator never takes
(a confirmation asked although ``,y`` was sent, a device that never stops paging)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from fence_agents.agents.nps_device import NpsDevice
from fence_agents.device import PowerState
from fence_agents.errors import DeviceError, PlugNotFound
from fence_agents.request import Request
from harness.waiting import wait_for

Script = Callable[[socket.socket], None]


def read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = conn.recv(1)
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def unit() -> Iterator[Callable[[Script], Request]]:
    """A factory of scripted fake NPS units on 127.0.0.1: ``unit(script)`` -> a Request aimed at it."""
    listeners: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def start(script: Script) -> Request:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(5.0)
        listeners.append(listener)

        def serve() -> None:
            conn, _ = listener.accept()
            conn.settimeout(5.0)
            with conn:
                conn.sendall(b"Enter Password: ")
                read_line(conn)
                conn.sendall(b"\r\nNPS> ")
                script(conn)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        threads.append(thread)
        values = {
            "ipaddr": "127.0.0.1",
            "ipport": str(listener.getsockname()[1]),
            "passwd": "pw",
            "login_timeout": "2",
            "shell_timeout": "0.5",
            "power_timeout": "2",
        }
        return Request.of("fence_nps", values, frozenset({"passwd"}))

    yield start
    for thread in threads:
        thread.join(5.0)
    for listener in listeners:
        listener.close()


def test_confirmation_is_answered(unit: Callable[[Script], Request]) -> None:
    seen: list[bytes] = []

    def script(conn: socket.socket) -> None:
        seen.append(read_line(conn))
        conn.sendall(b"\r\nOFF plug(s) 1\r\nSure? (Y/N): ")
        seen.append(read_line(conn))
        conn.sendall(b"\r\nProcessing - please wait\r\nNPS> ")
        seen.append(read_line(conn))

    device = NpsDevice(unit(script))
    device.login()
    device.set_power("1", PowerState.OFF)
    device.logout()
    wait_for("the unit read the logout", lambda: len(seen) == 3, timeout=5.0)  # its thread, not ours
    assert seen == [b"/OFF 1,y\r\n", b"y\r\n", b"/X\r\n"]


def test_endless_paging_is_bounded(unit: Callable[[Script], Request]) -> None:
    def script(conn: socket.socket) -> None:
        try:
            while read_line(conn) not in (b"", b"/X\r\n"):
                conn.sendall(b"more rows\r\nEnter: ")
        except OSError:
            pass  # the agent hung up

    device = NpsDevice(unit(script))
    device.login()
    with pytest.raises(PlugNotFound):  # no table within MAX_PAGES pages of /S, nor of /SG
        device.get_power("1")
    device.logout()


def test_a_refused_boot_is_an_error_not_a_reboot(unit: Callable[[Script], Request]) -> None:
    """/BOOT (method cycle) is not verified by status polls: the unit's refusal must surface."""

    def script(conn: socket.socket) -> None:
        read_line(conn)
        conn.sendall(b"\r\nInvalid plug: 1\r\nNPS> ")
        read_line(conn)

    device = NpsDevice(unit(script))
    device.login()
    with pytest.raises(DeviceError, match=r"refused /BOOT 1: Invalid plug: 1"):
        device.cycle("1")
    device.logout()
