"""A pure SNMP object table: typed values, GET / GETNEXT / atomic SET with the RFC 3416 error kinds.

Profiles (the IF-MIB switch, the APC rPDU) describe their objects as :class:`Column`/:class:`Scalar` rows
whose values are read from, and written to, the live device model through callables. The pysnmp adapter
(``snmp_agent``) only converts types; every decision about values and errors is made here, so it is
unit-tested without sockets.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Oid = tuple[int, ...]


class Kind(enum.Enum):
    INTEGER = "integer"
    OCTETS = "octets"
    OID = "oid"
    TIMETICKS = "timeticks"
    GAUGE = "gauge"
    COUNTER = "counter"
    OTHER = "other"  # a type this table never accepts (IpAddress, Opaque...)


@dataclass(frozen=True)
class Value:
    kind: Kind
    value: int | str | Oid


class Missing(enum.Enum):
    NO_SUCH_OBJECT = "noSuchObject"
    NO_SUCH_INSTANCE = "noSuchInstance"
    END_OF_MIB = "endOfMibView"


class SetFault(enum.Enum):
    """SET errors (SNMPv2 names; the v1 mapping is pysnmp's)."""

    NOT_WRITABLE = "notWritable"
    NO_CREATION = "noCreation"
    WRONG_TYPE = "wrongType"
    WRONG_VALUE = "wrongValue"
    WRONG_LENGTH = "wrongLength"
    NO_ACCESS = "noAccess"


class SetRefused(Exception):
    def __init__(self, index: int, fault: SetFault) -> None:
        super().__init__(f"varbind {index}: {fault.value}")
        self.index = index
        self.fault = fault


Reader = Callable[[], Value]
# A writer validates and returns a commit thunk, or returns a SetFault.
Writer = Callable[[Value], "SetFault | Callable[[], None]"]


@dataclass(frozen=True)
class Entry:
    oid: Oid
    read: Reader
    write: Writer | None = None


def parse_oid(text: str) -> Oid:
    return tuple(int(part) for part in text.strip(".").split(".") if part)


def integer(v: int) -> Value:
    return Value(Kind.INTEGER, v)


def octets(v: str) -> Value:
    return Value(Kind.OCTETS, v)


def enum_writer(allowed: Iterable[int], apply: Callable[[int], object]) -> Writer:
    """A writer for an INTEGER enumeration: wrongType for other types, wrongValue outside ``allowed``."""
    allowed_set = frozenset(allowed)

    def write(value: Value) -> SetFault | Callable[[], None]:
        if value.kind is not Kind.INTEGER:
            return SetFault.WRONG_TYPE
        assert isinstance(value.value, int)
        number = value.value
        if number not in allowed_set:
            return SetFault.WRONG_VALUE

        def commit() -> None:
            apply(number)

        return commit

    return write


class ObjectTable:
    """An ordered set of object instances. ``objects`` are the object (not instance) OIDs: a GET of an
    unknown instance under a known object answers noSuchInstance, elsewhere noSuchObject. A SET of a
    missing instance of one of the ``writable`` objects answers noCreation, anything else notWritable."""

    def __init__(
        self, entries: Iterable[Entry], objects: Iterable[Oid] = (), writable: Iterable[Oid] = ()
    ) -> None:
        self._entries = {e.oid: e for e in entries}
        self._order: list[Oid] = sorted(self._entries)
        self._objects = tuple(objects)
        self._writable = tuple(writable)

    def __len__(self) -> int:
        return len(self._order)

    def oids(self) -> list[Oid]:
        return list(self._order)

    @staticmethod
    def _under(oid: Oid, objects: tuple[Oid, ...]) -> bool:
        return any(oid[: len(obj)] == obj and len(oid) > len(obj) for obj in objects)

    def get(self, oid: Oid) -> Value | Missing:
        entry = self._entries.get(oid)
        if entry is not None:
            return entry.read()
        return Missing.NO_SUCH_INSTANCE if self._under(oid, self._objects) else Missing.NO_SUCH_OBJECT

    def next(self, oid: Oid) -> tuple[Oid, Value] | Missing:
        pos = bisect.bisect_right(self._order, oid)
        if pos >= len(self._order):
            return Missing.END_OF_MIB
        found = self._order[pos]
        return found, self._entries[found].read()

    def check_set(self, oid: Oid, value: Value) -> SetFault | Callable[[], None]:
        entry = self._entries.get(oid)
        if entry is None:
            return SetFault.NO_CREATION if self._under(oid, self._writable) else SetFault.NOT_WRITABLE
        if entry.write is None:
            return SetFault.NOT_WRITABLE
        return entry.write(value)

    def set(self, varbinds: Sequence[tuple[Oid, Value]]) -> list[tuple[Oid, Value]]:
        """All-or-nothing: every varbind is checked before any is applied (RFC 3416 4.2.5)."""
        commits: list[Callable[[], None]] = []
        for index, (oid, value) in enumerate(varbinds):
            outcome = self.check_set(oid, value)
            if isinstance(outcome, SetFault):
                raise SetRefused(index, outcome)
            commits.append(outcome)
        for commit in commits:
            commit()
        return [(oid, self._entries[oid].read()) for oid, _ in varbinds]
