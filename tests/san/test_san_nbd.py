"""The NBD array: protocol framing, and the fabric gate on a real socket (in flight, new I/O, unfence)."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest

from emulators.base.faults import FaultKind, FaultPlan, FaultSpec
from emulators.san import nbd_protocol as nbd
from emulators.san.array import Array, LunSpec
from emulators.san.journal import Journal, read_journal, writes_while_fenced
from emulators.san.nbd_server import NbdServer
from emulators.san.switch import PortSpec, Switch

DEADLINE = 5.0


def test_reader_splits_handshake_and_requests_across_chunks() -> None:
    reader = nbd.Reader()
    go = struct.pack(">I", 5) + b"n1/l0" + struct.pack(">H", 0)
    wire = struct.pack(">I", 3) + struct.pack(">QII", nbd.IHAVEOPT, nbd.Opt.GO, len(go)) + go
    events = [e for i in range(len(wire)) for e in reader.feed(wire[i : i + 1])]
    assert events[0] == nbd.ClientFlags(3) and events[0].no_zeroes
    assert isinstance(events[1], nbd.OptionRequest) and nbd.parse_go_data(events[1].data) == "n1/l0"
    reader.start_transmission()
    write = struct.pack(">IHHQQI", nbd.REQUEST_MAGIC, 0, nbd.Cmd.WRITE, 7, 512, 4) + b"abcd"
    assert reader.feed(write[:30]) == []
    assert reader.feed(write[30:]) == [nbd.Request(0, nbd.Cmd.WRITE, 7, 512, 4, b"abcd")]
    with pytest.raises(nbd.ProtocolError):
        reader.feed(b"\0" * 28)


class Client:
    """A minimal NBD client (fixed newstyle, GO, simple replies) for driving the server exactly."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.handle = 0

    @classmethod
    async def attach(cls, port: int, export: str) -> tuple[Client, int]:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), DEADLINE)
        magic, opt_magic, _ = struct.unpack(">QQH", await r.readexactly(18))
        assert (magic, opt_magic) == (nbd.NBDMAGIC, nbd.IHAVEOPT)
        name = export.encode()
        data = struct.pack(">I", len(name)) + name + struct.pack(">H", 0)
        w.write(struct.pack(">I", 3) + struct.pack(">QII", nbd.IHAVEOPT, nbd.Opt.GO, len(data)) + data)
        while True:
            _, _, reply, length = struct.unpack(">QIII", await r.readexactly(20))
            await r.readexactly(length)
            if reply != nbd.REP_INFO:
                return cls(r, w), reply

    async def request(self, command: int, offset: int, length: int, data: bytes = b"") -> tuple[int, bytes]:
        self.handle += 1
        self.writer.write(
            struct.pack(">IHHQQI", nbd.REQUEST_MAGIC, 0, command, self.handle, offset, length) + data
        )
        return await self.reply(command, length)

    async def reply(self, command: int, length: int) -> tuple[int, bytes]:
        magic, error, handle = struct.unpack(
            ">IIQ", await asyncio.wait_for(self.reader.readexactly(16), DEADLINE)
        )
        assert magic == nbd.SIMPLE_REPLY_MAGIC and handle == self.handle
        payload = await self.reader.readexactly(length) if command == nbd.Cmd.READ and not error else b""
        return error, payload


def lab(tmp_path: Path, faults: FaultPlan | None = None) -> tuple[Switch, Array, NbdServer]:
    switch = Switch.build("sw0", [PortSpec(1, host="n1"), PortSpec(2, host="n2")])
    array = Array(switch, [LunSpec("lun0", 1 << 20)], tmp_path, Journal(lambda: 0.0, tmp_path / "j.jsonl"))
    return switch, array, NbdServer(array, faults)


def test_fenced_host_fails_new_and_in_flight_io_and_unfence_restores(tmp_path: Path) -> None:
    async def scenario() -> None:
        switch, array, server = lab(tmp_path)
        _, port = await server.start()
        n1, status = await Client.attach(port, "n1/lun0")
        assert status == nbd.REP_ACK
        assert await n1.request(nbd.Cmd.WRITE, 0, 4, b"good") == (0, b"")
        assert await n1.request(nbd.Cmd.READ, 0, 4) == (0, b"good")

        in_flight, release = asyncio.Event(), asyncio.Event()

        async def hold(host: str, req: nbd.Request) -> None:
            in_flight.set()
            await release.wait()

        server.hold = hold
        n1.handle += 1
        n1.writer.write(
            struct.pack(">IHHQQI", nbd.REQUEST_MAGIC, 0, nbd.Cmd.WRITE, n1.handle, 0, 4) + b"late"
        )
        await asyncio.wait_for(in_flight.wait(), DEADLINE)
        switch.set_enabled(1, False, via="test")  # the fence lands while the write is in flight
        release.set()
        assert (await n1.reply(nbd.Cmd.WRITE, 4))[0] == nbd.EIO
        server.hold = None
        assert (await n1.request(nbd.Cmd.WRITE, 0, 4, b"new!"))[0] == nbd.EIO  # new I/O on the open link
        _, refused = await Client.attach(port, "n1/lun0")
        assert refused == nbd.REP_ERR_POLICY  # and no new connection
        n2, _ = await Client.attach(port, "n2/lun0")
        assert await n2.request(nbd.Cmd.READ, 0, 4) == (0, b"good")  # the other host is untouched

        switch.set_enabled(1, True, via="test")
        assert await n1.request(nbd.Cmd.WRITE, 4, 4, b"back") == (0, b"")
        assert await n1.request(nbd.Cmd.FLUSH, 0, 0) == (0, b"")
        assert await n1.request(nbd.Cmd.WRITE, (1 << 20) - 2, 4, b"over") == (nbd.ENOSPC, b"")
        await server.stop()
        array.close()

    asyncio.run(scenario())
    log = read_journal(tmp_path / "j.jsonl")
    assert [(e["event"], e.get("host")) for e in log] == [
        ("write", "n1"),
        ("port", "n1"),
        ("port", "n1"),
        ("write", "n1"),
    ]
    assert list(writes_while_fenced(log, "n1")) == []


def test_unknown_export_and_a_garbage_fault(tmp_path: Path) -> None:
    async def scenario() -> None:
        faults = FaultPlan([FaultSpec(FaultKind.GARBAGE, command="write", times=1)])
        _, array, server = lab(tmp_path, faults)
        _, port = await server.start()
        _, status = await Client.attach(port, "nobody/lun0")
        assert status == nbd.REP_ERR_UNKNOWN
        n2, _ = await Client.attach(port, "n2/lun0")
        assert (await n2.request(nbd.Cmd.WRITE, 0, 1, b"x"))[0] == nbd.EIO  # the fault answered
        assert (await n2.request(nbd.Cmd.WRITE, 0, 1, b"x"))[0] == 0
        await server.stop()
        array.close()

    asyncio.run(scenario())
