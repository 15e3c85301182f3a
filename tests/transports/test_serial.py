"""The serial client over a pty pair: we play the device on the master side."""

from __future__ import annotations

import logging
import os
import select
import time
import tty
from collections.abc import Iterator

import pytest

from fence_agents.errors import ConnectError, ConnectionLost, DeviceTimeout
from fence_agents.transports.serial import SerialChannel

LOG = logging.getLogger("test.serial")


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    """A raw pseudo-terminal: (master fd for the fake device, slave path for the agent); both closed after."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    yield master, path
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def read_master(master: int, until: bytes, timeout: float = 2.0) -> bytes:
    got = b""
    deadline = time.monotonic() + timeout
    while until not in got:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise TimeoutError(got)
        got += os.read(master, 1024)
    return got


def test_dialogue_over_pty(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    os.write(master, b"stale output from before\r\n")
    ch = SerialChannel.open(path, 9600, LOG)
    ch.sendline("")
    assert read_master(master, b"\r\n") == b"\r\n"
    os.write(master, b"Enter Password: ")
    ch.expect(["password: "], 2.0)
    ch.sendline("pw")
    assert read_master(master, b"\r\n") == b"pw\r\n"
    os.write(master, b"\r\nNPS> ")
    got = ch.expect(["NPS>"], 2.0)
    assert "stale" not in got.before  # discarded at open
    with pytest.raises(DeviceTimeout):
        ch.expect(["NPS>"], 0.2)
    ch.close()


def test_peer_gone_is_connection_lost(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    ch = SerialChannel.open(path, 115200, LOG)
    os.write(master, b"bye")
    os.close(master)
    with pytest.raises(ConnectionLost):
        ch.expect(["NPS>"], 2.0)
    ch.close()


def test_missing_device_is_connect_error(tmp_path: os.PathLike[str]) -> None:
    with pytest.raises(ConnectError):
        SerialChannel.open(os.path.join(tmp_path, "ttyNONE"), 9600, LOG)
