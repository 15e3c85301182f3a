"""The NBD wire protocol, server side, as pure functions and an incremental parser (no sockets).

Fixed newstyle handshake only (the form every current client speaks: qemu, libnbd, nbd-client):
greeting ``NBDMAGIC IHAVEOPT flags``; the client's 32-bit flags; then options until EXPORT_NAME or GO;
then transmission with simple replies (structured replies are declined, which clients accept).
Facts from the NBD protocol document (github.com/NetworkBlockDevice/nbd, doc/proto.md).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

NBDMAGIC = 0x4E42444D41474943
IHAVEOPT = 0x49484156454F5054
OPTION_REPLY_MAGIC = 0x3E889045565A9
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698

FLAG_FIXED_NEWSTYLE = 1 << 0
FLAG_NO_ZEROES = 1 << 1
CLIENT_FLAG_NO_ZEROES = 1 << 1

# transmission flags
TX_HAS_FLAGS = 1 << 0
TX_READ_ONLY = 1 << 1
TX_SEND_FLUSH = 1 << 2
TX_SEND_FUA = 1 << 3

CMD_FLAG_FUA = 1 << 0


class Opt(enum.IntEnum):
    EXPORT_NAME = 1
    ABORT = 2
    LIST = 3
    STARTTLS = 5
    INFO = 6
    GO = 7
    STRUCTURED_REPLY = 8


REP_ACK = 1
REP_SERVER = 2
REP_INFO = 3
REP_ERR_UNSUP = (1 << 31) + 1
REP_ERR_POLICY = (1 << 31) + 2
REP_ERR_INVALID = (1 << 31) + 3
REP_ERR_UNKNOWN = (1 << 31) + 6

INFO_EXPORT = 0
INFO_BLOCK_SIZE = 3


class Cmd(enum.IntEnum):
    READ = 0
    WRITE = 1
    DISC = 2
    FLUSH = 3


# errno values the protocol carries
EPERM, EIO, EINVAL, ENOSPC, ENOTSUP, ESHUTDOWN = 1, 5, 22, 28, 95, 108

MAX_OPTION_DATA = 64 * 1024
MAX_PAYLOAD = 32 * 1024 * 1024


class ProtocolError(Exception):
    """The client broke the protocol; the connection is closed."""


def greeting() -> bytes:
    return struct.pack(">QQH", NBDMAGIC, IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)


def option_reply(option: int, reply: int, data: bytes = b"") -> bytes:
    return struct.pack(">QIII", OPTION_REPLY_MAGIC, option, reply, len(data)) + data


def error_reply(option: int, reply: int, message: str) -> bytes:
    return option_reply(option, reply, message.encode())


def server_entry(option: int, name: str) -> bytes:
    raw = name.encode()
    return option_reply(option, REP_SERVER, struct.pack(">I", len(raw)) + raw)


def info_export(option: int, size: int, tx_flags: int) -> bytes:
    return option_reply(option, REP_INFO, struct.pack(">HQH", INFO_EXPORT, size, tx_flags))


def info_block_size(option: int, minimum: int, preferred: int, maximum: int) -> bytes:
    return option_reply(option, REP_INFO, struct.pack(">HIII", INFO_BLOCK_SIZE, minimum, preferred, maximum))


def export_name_reply(size: int, tx_flags: int, no_zeroes: bool) -> bytes:
    return struct.pack(">QH", size, tx_flags) + (b"" if no_zeroes else bytes(124))


def simple_reply(error: int, handle: int, data: bytes = b"") -> bytes:
    return struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, error, handle) + data


def parse_go_data(data: bytes) -> str:
    """The export name of an INFO/GO option (the info requests that follow are optional extras)."""
    if len(data) < 6:
        raise ProtocolError("short GO/INFO option")
    (name_len,) = struct.unpack_from(">I", data)
    if 4 + name_len + 2 > len(data):
        raise ProtocolError("GO/INFO name overruns the option")
    return data[4 : 4 + name_len].decode("utf-8", "replace")


@dataclass(frozen=True)
class ClientFlags:
    flags: int

    @property
    def no_zeroes(self) -> bool:
        return bool(self.flags & CLIENT_FLAG_NO_ZEROES)


@dataclass(frozen=True)
class OptionRequest:
    option: int
    data: bytes


@dataclass(frozen=True)
class Request:
    flags: int
    command: int
    handle: int
    offset: int
    length: int
    data: bytes = b""  # the payload of a WRITE


Event = ClientFlags | OptionRequest | Request


class Reader:
    """Turns received bytes into client events. Phases: client flags, options, transmission."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.phase = "flags"  # flags | options | transmission

    def start_transmission(self) -> None:
        self.phase = "transmission"

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        events: list[Event] = []
        while True:
            event = self._next()
            if event is None:
                return events
            events.append(event)

    def _take(self, n: int) -> bytes | None:
        if len(self._buf) < n:
            return None
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _next(self) -> Event | None:
        if self.phase == "flags":
            raw = self._take(4)
            if raw is None:
                return None
            self.phase = "options"
            return ClientFlags(struct.unpack(">I", raw)[0])
        if self.phase == "options":
            if len(self._buf) < 16:
                return None
            magic, option, length = struct.unpack_from(">QII", self._buf)
            if magic != IHAVEOPT:
                raise ProtocolError("bad option magic")
            if length > MAX_OPTION_DATA:
                raise ProtocolError("option data too long")
            if len(self._buf) < 16 + length:
                return None
            raw = self._take(16 + length)
            assert raw is not None
            return OptionRequest(option, raw[16:])
        if len(self._buf) < 28:
            return None
        magic, flags, command, handle, offset, length = struct.unpack_from(">IHHQQI", self._buf)
        if magic != REQUEST_MAGIC:
            raise ProtocolError("bad request magic")
        payload = length if command == Cmd.WRITE else 0
        if payload > MAX_PAYLOAD:
            raise ProtocolError("write payload too large")
        if len(self._buf) < 28 + payload:
            return None
        raw = self._take(28 + payload)
        assert raw is not None
        return Request(flags, command, handle, offset, length, raw[28:])
