"""The storage array behind the fabric: LUNs backed by files, and the path check every I/O passes.

A host reaches a LUN only while its switch port is online. An I/O takes a :class:`Ticket` when it arrives
and is applied only if, at completion, the port is still online *and* was not disabled in between (the
port's ``disable_count`` is unchanged): a fence that lands while an I/O is in flight fails that I/O.
Every accepted write goes to the journal.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from emulators.san.journal import Journal
from emulators.san.switch import Port, PortChange, Switch

EXPORT_SEPARATOR = "/"


@dataclass(frozen=True)
class LunSpec:
    name: str
    size: int  # bytes
    path: str | None = None  # backing file; created (sparse) when missing


class Lun:
    def __init__(self, spec: LunSpec, directory: Path) -> None:
        self.name = spec.name
        self.size = spec.size
        self.path = Path(spec.path) if spec.path else directory / f"{spec.name}.img"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self.fd).st_size < self.size:
            os.ftruncate(self.fd, self.size)

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        return data + bytes(length - len(data))

    def write(self, offset: int, data: bytes) -> None:
        os.pwrite(self.fd, data, offset)

    def flush(self) -> None:
        os.fsync(self.fd)

    def close(self) -> None:
        os.close(self.fd)


@dataclass(frozen=True)
class Ticket:
    host: str
    port_index: int
    disable_count: int


class PathDown(Exception):
    """The host's path through the fabric is down (fenced, unwired or no link)."""


class Array:
    def __init__(self, switch: Switch, luns: list[LunSpec], directory: Path, journal: Journal) -> None:
        self.switch = switch
        self.journal = journal
        self.luns = {spec.name: Lun(spec, directory) for spec in luns}
        switch.listeners.append(self._port_changed)

    def _port_changed(self, port: Port, change: PortChange, via: str) -> None:
        self.journal.port(port.index, port.host, change.value, via)

    def export_names(self) -> list[str]:
        hosts = [p.host for p in self.switch.sorted_ports() if p.host]
        return [f"{host}{EXPORT_SEPARATOR}{lun}" for host in hosts for lun in self.luns]

    def resolve(self, export: str) -> tuple[str, Lun] | None:
        """``host/lun`` -> (host name as wired, LUN); the host may also be given by its WWPN."""
        host, sep, lun_name = export.rpartition(EXPORT_SEPARATOR)
        port = self.switch.port_of_host(host) if sep else None
        lun = self.luns.get(lun_name)
        if port is None or port.host is None or lun is None:
            return None
        return port.host, lun

    def ticket(self, host: str) -> Ticket:
        """Called when an I/O arrives; raises PathDown when the host cannot reach the array now."""
        port = self.switch.port_of_host(host)
        if port is None or not port.online:
            raise PathDown(host)
        return Ticket(host, port.index, port.disable_count)

    def check(self, ticket: Ticket) -> None:
        """Called at completion: the path must be up and must not have gone down since the ticket."""
        port = self.switch.port(ticket.port_index)
        if not port.online or port.disable_count != ticket.disable_count:
            raise PathDown(ticket.host)

    def write(self, ticket: Ticket, lun: Lun, offset: int, data: bytes) -> None:
        self.check(ticket)
        lun.write(offset, data)
        self.journal.write(ticket.host, lun.name, offset, len(data))

    def read(self, ticket: Ticket, lun: Lun, offset: int, length: int) -> bytes:
        self.check(ticket)
        return lun.read(offset, length)

    def flush(self, ticket: Ticket, lun: Lun) -> None:
        self.check(ticket)
        lun.flush()

    def close(self) -> None:
        for lun in self.luns.values():
            lun.close()
        self.journal.close()
