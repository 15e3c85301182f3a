"""An APC rack PDU (rPDU profile, PowerNet-MIB) as a pure model and its SNMP objects.

The stock ``fence_apc_snmp`` picks its OIDs by sysObjectID: ``.1.3.6.1.4.1.318.1.3.4.5`` selects rPDU,
whose outlet state is rPDUOutletStatusOutletState (1 on, 2 off) and whose control is
rPDUOutletControlOutletCommand (write 1 immediateOn, 2 immediateOff, 3 immediateReboot; it reads back
1 or 2 like the state). Relays switch ``relay_delay`` seconds after the command (like the NPS model), and
the base fault plan's stuck/lie faults apply per outlet. Pure: time comes in through ``clock``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emulators.base.faults import FaultPlan
from emulators.base.model import RelaySchedule
from emulators.base.power import PowerEvent
from emulators.san.ifmib import system_entries
from emulators.san.mib import Entry, ObjectTable, Oid, Value, enum_writer, integer, octets

APC = (1, 3, 6, 1, 4, 1, 318)
RPDU_SYS_OBJECT_ID: Oid = APC + (1, 3, 4, 5)
OUTLET_COUNT: Oid = APC + (1, 1, 12, 3, 1, 4, 0)  # rPDUOutletDevNumCntrlOutlets
CONTROL_ENTRY: Oid = APC + (1, 1, 12, 3, 3, 1, 1)  # rPDUOutletControlEntry
STATUS_ENTRY: Oid = APC + (1, 1, 12, 3, 5, 1, 1)  # rPDUOutletStatusEntry
ON, OFF, REBOOT = 1, 2, 3


@dataclass
class Outlet:
    number: int
    name: str
    on: bool = True


class Pdu:
    def __init__(
        self,
        outlets: list[Outlet],
        faults: FaultPlan,
        relay_delay: float = 0.0,
        reboot_delay: float = 3.0,
    ) -> None:
        self.outlets = {o.number: o for o in outlets}
        self.faults = faults
        self.relay_delay = relay_delay
        self.reboot_delay = reboot_delay
        self.schedule = RelaySchedule()
        self.unreported: list[PowerEvent] = []  # switched relays the wiring has not heard of yet

    def command(self, number: int, command: int, now: float) -> None:
        key = str(number)
        if self.faults.is_stuck(key):
            return  # the relay ignores it; the PDU still acknowledged the SET
        if command == REBOOT:
            self.schedule.schedule(key, False, now, self.relay_delay)
            self.schedule.schedule(key, True, now, self.reboot_delay)  # chained after the off
        else:
            self.schedule.schedule(key, command == ON, now, self.relay_delay)

    def advance(self, now: float) -> None:
        """Switch every relay that is due (an SNMP read may do this before the server's timer does)."""
        self.unreported += self.schedule.switch_due(now, lambda key: self.outlets[int(key)])

    def take_events(self, now: float) -> list[PowerEvent]:
        """Advance, then hand over every change not yet reported (for the wiring), once."""
        self.advance(now)
        events, self.unreported = self.unreported, []
        return events

    def reported_on(self, outlet: Outlet) -> bool:
        return self.faults.reported(str(outlet.number), outlet.on)

    def states(self) -> dict[str, bool]:
        return {str(n): o.on for n, o in sorted(self.outlets.items())}


def outlet_entries(pdu: Pdu, outlet: Outlet, clock: Callable[[], float]) -> list[Entry]:
    n, key = outlet.number, str(outlet.number)

    def state() -> Value:
        pdu.advance(clock())  # a relay that fell due is read as switched, timer or not
        return integer(ON if pdu.reported_on(outlet) else OFF)

    def command(value: int) -> None:
        pdu.command(n, value, clock())

    def pending() -> Value:
        return integer(1 if pdu.schedule.pending(key) else 2)

    return [
        Entry(CONTROL_ENTRY + (1, n), lambda: integer(n)),
        Entry(CONTROL_ENTRY + (2, n), lambda: octets(outlet.name)),
        Entry(CONTROL_ENTRY + (4, n), state, enum_writer((ON, OFF, REBOOT), command)),
        Entry(STATUS_ENTRY + (1, n), lambda: integer(n)),
        Entry(STATUS_ENTRY + (2, n), lambda: octets(outlet.name)),
        Entry(STATUS_ENTRY + (3, n), lambda: integer(1)),  # phase 1
        Entry(STATUS_ENTRY + (4, n), state),
        Entry(STATUS_ENTRY + (5, n), pending),
    ]


def pdu_table(pdu: Pdu, name: str, clock: Callable[[], float], uptime: Callable[[], float]) -> ObjectTable:
    descr = f"APC Web/SNMP Management Card (MB:v3.9.2 PF:v3.5.5 MN:AP7900 HR:B2 SN:fencelab-{name})"
    entries = system_entries(descr, RPDU_SYS_OBJECT_ID, name, uptime)
    entries.append(Entry(OUTLET_COUNT, lambda: integer(len(pdu.outlets))))
    for outlet in sorted(pdu.outlets.values(), key=lambda o: o.number):
        entries += outlet_entries(pdu, outlet, clock)
    objects = [CONTROL_ENTRY + (c,) for c in (1, 2, 4)] + [STATUS_ENTRY + (c,) for c in range(1, 6)]
    return ObjectTable(entries, objects=objects, writable=[CONTROL_ENTRY + (4,)])
