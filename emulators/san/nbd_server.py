"""The array's NBD front end: an asyncio TCP server speaking :mod:`emulators.san.nbd_protocol`.

A client names ``<host>/<lun>`` as its export (``nbd://127.0.0.1:PORT/node1/lun0``): the host part is who it
is on the fabric (its name or its WWPN), the way an FC initiator is known to an array by its WWPN. Every
NBD client can choose its export name, while all lab clients share 127.0.0.1 as a source address, so the
name is the identity. While the host's switch port is disabled, GO/INFO for it is refused (policy error),
EXPORT_NAME closes the connection, and every request on an open connection fails with EIO, including one
that was already in flight when the port went down.

Faults (the base fault plan) apply per command key ``read``/``write``/``flush``: latency delays the
I/O (it stays in flight), hang never answers, drop closes the connection, garbage answers EIO.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from emulators.base.faults import FaultKind, FaultPlan
from emulators.san import nbd_protocol as nbd
from emulators.san.array import Array, Lun, PathDown, Ticket

log = logging.getLogger("emulators.san.nbd")

TX_FLAGS = nbd.TX_HAS_FLAGS | nbd.TX_SEND_FLUSH | nbd.TX_SEND_FUA
READ_CHUNK = 256 * 1024
COMMAND_KEYS: dict[int, str] = {nbd.Cmd.READ: "read", nbd.Cmd.WRITE: "write", nbd.Cmd.FLUSH: "flush"}
Hold = Callable[[str, nbd.Request], Awaitable[None]]  # test hook: runs while an I/O is in flight


class _Closed(Exception):
    pass


class NbdServer:
    def __init__(self, array: Array, faults: FaultPlan | None = None) -> None:
        self.array = array
        self.faults = faults if faults is not None else FaultPlan()
        self.hold: Hold | None = None
        self.server: asyncio.Server | None = None
        self.address: tuple[str, int] = ("", 0)
        self.connections = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        self.server = await asyncio.start_server(self._serve, host, port)
        self.address = self.server.sockets[0].getsockname()[:2]
        return self.address

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            await _Connection(self, reader, writer).run()
        except (_Closed, nbd.ProtocolError, ConnectionError, asyncio.IncompleteReadError) as err:
            log.debug("nbd connection ended: %s", err)
        finally:
            writer.close()


class _Connection:
    def __init__(self, server: NbdServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.array = server.array
        self.reader = reader
        self.writer = writer
        self.parser = nbd.Reader()
        self.no_zeroes = False
        self.host = ""
        self.lun: Lun | None = None

    async def run(self) -> None:
        self.writer.write(nbd.greeting())
        while True:
            data = await self.reader.read(READ_CHUNK)
            if not data:
                return
            for event in self.parser.feed(data):
                if isinstance(event, nbd.ClientFlags):
                    self.no_zeroes = event.no_zeroes
                elif isinstance(event, nbd.OptionRequest):
                    self._option(event)
                else:
                    await self._request(event)
            await self.writer.drain()

    # -- handshake ---------------------------------------------------------------------------------
    def _option(self, req: nbd.OptionRequest) -> None:
        opt, send = req.option, self.writer.write
        if opt == nbd.Opt.ABORT:
            send(nbd.option_reply(opt, nbd.REP_ACK))
            raise _Closed("client aborted")
        if opt == nbd.Opt.LIST:
            for name in self.array.export_names():
                send(nbd.server_entry(opt, name))
            send(nbd.option_reply(opt, nbd.REP_ACK))
        elif opt in (nbd.Opt.GO, nbd.Opt.INFO, nbd.Opt.EXPORT_NAME):
            name = (
                req.data.decode("utf-8", "replace")
                if opt == nbd.Opt.EXPORT_NAME
                else nbd.parse_go_data(req.data)
            )
            self._select_export(opt, name)
        else:
            send(nbd.error_reply(opt, nbd.REP_ERR_UNSUP, "option not supported"))

    def _select_export(self, opt: int, name: str) -> None:
        send = self.writer.write
        found = self.array.resolve(name)
        problem = None
        if found is None:
            problem = nbd.REP_ERR_UNKNOWN, f"no export '{name}' (use <host>/<lun>)"
        elif not self.array.switch.host_reaches_storage(found[0]):
            problem = nbd.REP_ERR_POLICY, f"host {found[0]} has no path to the array (switch port down)"
        if problem is not None:
            if opt == nbd.Opt.EXPORT_NAME:
                raise _Closed(problem[1])  # the only refusal this old option allows
            send(nbd.error_reply(opt, *problem))
            return
        assert found is not None
        host, lun = found
        if opt == nbd.Opt.EXPORT_NAME:
            send(nbd.export_name_reply(lun.size, TX_FLAGS, self.no_zeroes))
        else:
            send(nbd.info_export(opt, lun.size, TX_FLAGS))
            send(nbd.info_block_size(opt, 1, 4096, nbd.MAX_PAYLOAD))
            send(nbd.option_reply(opt, nbd.REP_ACK))
            if opt == nbd.Opt.INFO:
                return
        self.host, self.lun = host, lun
        self.parser.start_transmission()
        log.info("nbd: %s attached to %s", host, lun.name)

    # -- transmission ------------------------------------------------------------------------------
    async def _request(self, req: nbd.Request) -> None:
        if req.command == nbd.Cmd.DISC:
            raise _Closed("client disconnected")
        assert self.lun is not None
        key = COMMAND_KEYS.get(req.command)
        if key is None:
            self.writer.write(nbd.simple_reply(nbd.EINVAL, req.handle))
            return
        if req.command != nbd.Cmd.FLUSH and req.offset + req.length > self.lun.size:
            err = nbd.ENOSPC if req.command == nbd.Cmd.WRITE else nbd.EINVAL
            self.writer.write(nbd.simple_reply(err, req.handle))
            return
        if req.length > nbd.MAX_PAYLOAD:  # beyond the block size maximum we advertised
            self.writer.write(nbd.simple_reply(nbd.EINVAL, req.handle))
            return
        try:
            ticket = self.array.ticket(self.host)
        except PathDown:
            self.writer.write(nbd.simple_reply(nbd.EIO, req.handle))
            return
        fault = self.server.faults.on_command(key)
        if fault.latency:
            await asyncio.sleep(fault.latency)  # the device's service time: the I/O is in flight
        if self.server.hold is not None:
            await self.server.hold(self.host, req)
        if fault.effect is FaultKind.HANG:
            await asyncio.Event().wait()  # never answers; the client's timeout is what is tested
        if fault.effect is FaultKind.DROP:
            raise _Closed("fault: drop")
        if fault.effect is FaultKind.GARBAGE:
            self.writer.write(nbd.simple_reply(nbd.EIO, req.handle))
            return
        self.writer.write(self._complete(ticket, req, self.lun))

    def _complete(self, ticket: Ticket, req: nbd.Request, lun: Lun) -> bytes:
        try:
            if req.command == nbd.Cmd.READ:
                return nbd.simple_reply(0, req.handle, self.array.read(ticket, lun, req.offset, req.length))
            if req.command == nbd.Cmd.WRITE:
                self.array.write(ticket, lun, req.offset, req.data)
                if req.flags & nbd.CMD_FLAG_FUA:
                    lun.flush()
            else:
                self.array.flush(ticket, lun)
        except PathDown:
            log.info("nbd: %s I/O failed, path down", ticket.host)
            return nbd.simple_reply(nbd.EIO, req.handle)
        return nbd.simple_reply(0, req.handle)
