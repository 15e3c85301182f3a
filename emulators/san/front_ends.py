"""The SAN emulator's extra front ends for the base DeviceHost: two SNMP agents and the NBD array."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emulators.base.host import DeviceHost
from emulators.san.array import Array
from emulators.san.ifmib import switch_table
from emulators.san.journal import Journal
from emulators.san.mib import ObjectTable
from emulators.san.model import SanModel
from emulators.san.nbd_server import NbdServer
from emulators.san.rpdu import pdu_table
from emulators.san.snmp_agent import Access, SnmpAgent


def _model(server: DeviceHost) -> SanModel:
    assert isinstance(server.model, SanModel)
    return server.model


TableMaker = Callable[[SanModel, Callable[[], float], Callable[[], float]], ObjectTable]


class SnmpFrontEnd:
    """One SNMP agent over a table of the model; reports ``{name: port}``."""

    def __init__(
        self, name: str, make_table: TableMaker, access: Callable[[SanModel], Access], host: str, port: int
    ) -> None:
        self.name, self.make_table, self.access = name, make_table, access
        self.host, self.port = host, port
        self.agent: SnmpAgent | None = None

    async def start(self, server: DeviceHost) -> dict[str, Any]:
        model = _model(server)
        started = server.now()
        table = self.make_table(model, server.now, lambda: server.now() - started)
        self.agent = SnmpAgent(table, self.access(model), self.host, self.port, server.settle, model.faults)
        self.agent.start()
        return {self.name: self.agent.address[1]}

    async def stop(self) -> None:
        if self.agent is not None:
            self.agent.stop()


def switch_snmp(host: str, port: int) -> SnmpFrontEnd:
    """IF-MIB + system group of the switch, as ``snmp``."""
    return SnmpFrontEnd(
        "snmp",
        lambda model, now, uptime: switch_table(model.switch, uptime),
        lambda model: model.settings.switch_access,
        host,
        port,
    )


def pdu_snmp(host: str, port: int) -> SnmpFrontEnd:
    """The APC rPDU profile, as ``pdu_snmp``."""
    return SnmpFrontEnd(
        "pdu_snmp",
        lambda model, now, uptime: pdu_table(model.pdu, f"{model.settings.switch_name}-pdu", now, uptime),
        lambda model: model.settings.pdu_access,
        host,
        port,
    )


class NbdFrontEnd:
    """The storage array over NBD; reports ``{"nbd": port}`` and adds exports + journal to the facts."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.nbd: NbdServer | None = None
        self.array: Array | None = None
        self.temporary: Path | None = None  # a state directory we made, and remove at stop

    async def start(self, server: DeviceHost) -> dict[str, Any]:
        model = _model(server)
        s = model.settings
        if s.state_dir is None:
            state = self.temporary = Path(tempfile.mkdtemp(prefix="fencelab-san-"))
        else:
            state = s.state_dir
            state.mkdir(parents=True, exist_ok=True)
        journal_path = s.journal or state / "journal.jsonl"
        journal_path.parent.mkdir(parents=True, exist_ok=True)
        journal = Journal(time.time, journal_path, on_write=model.storage_written)
        self.array = Array(model.switch, s.luns, state, journal)
        self.nbd = NbdServer(self.array, model.faults)
        _, port = await self.nbd.start(self.host, self.port)
        model.facts.update(
            {
                "exports": self.array.export_names(),
                "luns": {lun.name: str(lun.path) for lun in self.array.luns.values()},
                "journal": str(journal_path),
            }
        )
        return {"nbd": port}

    async def stop(self) -> None:
        if self.nbd is not None:
            await self.nbd.stop()
        if self.array is not None:
            self.array.close()
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
