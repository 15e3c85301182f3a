"""The switch's SNMP objects: the system group and IF-MIB (ifTable + ifXTable) over the pure :class:`Switch`.

Writable: ifAdminStatus (1 up / 2 down; 3 testing is refused with wrongValue) and ifAlias (<= 64 octets).
ifOperStatus is derived: up (1) only when the port is enabled and has a link, else down (2).
ifCounterDiscontinuityTime (column 19) is served after ifAlias so that a net-snmp walk of ifAlias ends on an
OID outside the subtree rather than on endOfMibView.
"""

from __future__ import annotations

from collections.abc import Callable

from emulators.san.mib import (
    Entry,
    Kind,
    ObjectTable,
    Oid,
    SetFault,
    Value,
    Writer,
    enum_writer,
    integer,
    octets,
)
from emulators.san.switch import Port, Switch

SYSTEM: Oid = (1, 3, 6, 1, 2, 1, 1)
IF_NUMBER: Oid = (1, 3, 6, 1, 2, 1, 2, 1, 0)
IF_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1)
IFX_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1)
BROCADE_SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 4, 1, 1588, 2, 1, 1, 1)

IF_DESCR, IF_TYPE, IF_SPEED, IF_ADMIN, IF_OPER = 2, 3, 5, 7, 8
IFX_NAME, IFX_ALIAS, IFX_DISCONTINUITY = 1, 18, 19
FIBRE_CHANNEL_IFTYPE = 56
ALIAS_MAX = 64
SPEED_BPS = {"N1": 1_000_000_000, "N2": 2_000_000_000, "N4": 4_000_000_000, "N8": 4_294_967_295}

Uptime = Callable[[], float]  # seconds since the agent started


def system_entries(descr: str, object_id: Oid, name: str, uptime: Uptime) -> list[Entry]:
    def ticks() -> Value:
        return Value(Kind.TIMETICKS, int(uptime() * 100) % 2**32)

    def const(value: Value) -> Callable[[], Value]:
        return lambda: value

    rows: list[tuple[int, Callable[[], Value]]] = [
        (1, const(octets(descr))),
        (2, const(Value(Kind.OID, object_id))),
        (3, ticks),
        (4, const(octets("fencelab"))),
        (5, const(octets(name))),
        (6, const(octets("emulated lab rack"))),
        (7, const(integer(2))),  # sysServices: datalink/subnetwork layer device
    ]
    return [Entry(SYSTEM + (column, 0), read) for column, read in rows]


def _admin_writer(switch: Switch, port: Port) -> Writer:
    return enum_writer((1, 2), lambda v: switch.set_enabled(port.index, v == 1, via="snmp"))


def _alias_writer(port: Port) -> Writer:
    def write(value: Value) -> SetFault | Callable[[], None]:
        if value.kind is not Kind.OCTETS:
            return SetFault.WRONG_TYPE
        text = str(value.value)
        if len(text.encode()) > ALIAS_MAX:
            return SetFault.WRONG_LENGTH

        def apply() -> None:
            port.label = text

        return apply

    return write


def port_entries(switch: Switch, port: Port) -> list[Entry]:
    i = port.index

    def admin() -> Value:
        return integer(1 if switch.reported_enabled(port) else 2)

    def oper() -> Value:
        return integer(1 if port.online else 2)

    return [
        Entry(IF_ENTRY + (1, i), lambda: integer(i)),
        Entry(IF_ENTRY + (IF_DESCR, i), lambda: octets(port.name)),
        Entry(IF_ENTRY + (IF_TYPE, i), lambda: integer(FIBRE_CHANNEL_IFTYPE)),
        Entry(IF_ENTRY + (IF_SPEED, i), lambda: Value(Kind.GAUGE, SPEED_BPS.get(port.speed, 0))),
        Entry(IF_ENTRY + (IF_ADMIN, i), admin, _admin_writer(switch, port)),
        Entry(IF_ENTRY + (IF_OPER, i), oper),
        Entry(IFX_ENTRY + (IFX_NAME, i), lambda: octets(port.name)),
        Entry(IFX_ENTRY + (IFX_ALIAS, i), lambda: octets(port.alias), _alias_writer(port)),
        Entry(IFX_ENTRY + (IFX_DISCONTINUITY, i), lambda: Value(Kind.TIMETICKS, 0)),
    ]


def switch_table(switch: Switch, uptime: Uptime, descr: str | None = None) -> ObjectTable:
    entries = system_entries(
        descr or f"Fibre Channel Switch (fencelab emulated Brocade FOS) {switch.name}",
        BROCADE_SYS_OBJECT_ID,
        switch.name,
        uptime,
    )
    entries.append(Entry(IF_NUMBER, lambda: integer(len(switch.ports))))
    for port in switch.sorted_ports():
        entries.extend(port_entries(switch, port))
    objects = [SYSTEM + (c,) for c in range(1, 8)] + [IF_NUMBER[:-1]]
    objects += [IF_ENTRY + (c,) for c in (1, IF_DESCR, IF_TYPE, IF_SPEED, IF_ADMIN, IF_OPER)]
    objects += [IFX_ENTRY + (c,) for c in (IFX_NAME, IFX_ALIAS, IFX_DISCONTINUITY)]
    writable = [IF_ENTRY + (IF_ADMIN,), IFX_ENTRY + (IFX_ALIAS,)]
    return ObjectTable(entries, objects=objects, writable=writable)
