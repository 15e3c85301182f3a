"""A pysnmp 7 command responder serving one :class:`~emulators.san.mib.ObjectTable` (v1, v2c, v3 USM).

Thin: converts pysnmp values to and from :class:`~emulators.san.mib.Value` and maps table outcomes to SNMP
errors. Two guards against pysnmp's VACM defect (an empty write view grants full write access, pysnmp
issue 48): read-only principals get a dummy write view ``(0, 0)`` so VACM itself answers notInView, and
the controller refuses a SET from any security name not configured read-write with noAccess before the
table is touched.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config, engine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.error import PySnmpError
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.smi import error as smi_error
from pysnmp.smi.instrum import AbstractMibInstrumController

from emulators.base.faults import FaultKind, FaultPlan
from emulators.san.mib import Kind, Missing, ObjectTable, SetFault, SetRefused, Value

READ_VIEW = (1, 3, 6, 1)
NO_WRITE_VIEW = (0, 0)  # the guard: a non-empty write view that matches nothing
VACM_CACHE_MAX = 4096

AUTH_PROTOCOLS = {
    "none": config.USM_AUTH_NONE,
    "md5": config.USM_AUTH_HMAC96_MD5,
    "sha": config.USM_AUTH_HMAC96_SHA,
}
PRIV_PROTOCOLS = {
    "none": config.USM_PRIV_NONE,
    "des": config.USM_PRIV_CBC56_DES,
    "aes": config.USM_PRIV_CFB128_AES,
}


@dataclass(frozen=True)
class Community:
    name: str
    writable: bool = False


@dataclass(frozen=True)
class UsmUser:
    name: str
    auth: str = "none"  # none | md5 | sha
    auth_key: str = ""
    priv: str = "none"  # none | des | aes
    priv_key: str = ""
    writable: bool = True

    @property
    def level(self) -> str:
        if self.auth == "none":
            return "noAuthNoPriv"
        return "authNoPriv" if self.priv == "none" else "authPriv"


@dataclass(frozen=True)
class Access:
    communities: tuple[Community, ...] = (Community("public"), Community("private", writable=True))
    users: tuple[UsmUser, ...] = field(default_factory=tuple)

    def writers(self) -> frozenset[str]:
        names = {c.name for c in self.communities if c.writable}
        return frozenset(names | {u.name for u in self.users if u.writable})


_MISSING = {
    Missing.NO_SUCH_OBJECT: rfc1905.noSuchObject,
    Missing.NO_SUCH_INSTANCE: rfc1905.noSuchInstance,
    Missing.END_OF_MIB: rfc1905.endOfMibView,
}
_FAULTS: dict[SetFault, type[smi_error.SmiError]] = {
    SetFault.NOT_WRITABLE: smi_error.NotWritableError,
    SetFault.NO_CREATION: smi_error.NoCreationError,
    SetFault.WRONG_TYPE: smi_error.WrongTypeError,
    SetFault.WRONG_VALUE: smi_error.WrongValueError,
    SetFault.WRONG_LENGTH: smi_error.WrongLengthError,
    SetFault.NO_ACCESS: smi_error.NoAccessError,
}
_TO_PYSNMP: dict[Kind, Any] = {
    Kind.INTEGER: rfc1902.Integer32,
    Kind.OCTETS: rfc1902.OctetString,
    Kind.OID: rfc1902.ObjectIdentifier,
    Kind.TIMETICKS: rfc1902.TimeTicks,
    Kind.GAUGE: rfc1902.Gauge32,
    Kind.COUNTER: rfc1902.Counter32,
}
_FROM_TAG = {
    rfc1902.Integer32.tagSet: Kind.INTEGER,
    rfc1902.OctetString.tagSet: Kind.OCTETS,
    rfc1902.ObjectIdentifier.tagSet: Kind.OID,
    rfc1902.TimeTicks.tagSet: Kind.TIMETICKS,
    rfc1902.Gauge32.tagSet: Kind.GAUGE,
    rfc1902.Counter32.tagSet: Kind.COUNTER,
}


def to_pysnmp(value: Value) -> Any:
    return _TO_PYSNMP[value.kind](value.value)


def from_pysnmp(value: Any) -> Value:
    kind = _FROM_TAG.get(value.getTagSet(), Kind.OTHER)
    if kind is Kind.INTEGER or kind is Kind.TIMETICKS or kind is Kind.GAUGE or kind is Kind.COUNTER:
        return Value(kind, int(value))
    if kind is Kind.OCTETS:
        return Value(kind, value.asOctets().decode("utf-8", "replace"))
    if kind is Kind.OID:
        return Value(kind, tuple(value))
    return Value(Kind.OTHER, 0)


def _security_name(ctx: dict[str, Any]) -> str:
    exec_ctx = ctx["snmpEngine"].observer.get_execution_context("rfc3412.receiveMessage:request")
    name = exec_ctx["securityName"]
    return name.decode() if isinstance(name, bytes) else str(name)


class TableController(AbstractMibInstrumController):
    """Answers GET/GETNEXT/SET from an ObjectTable, checking VACM per variable."""

    def __init__(
        self,
        table: ObjectTable,
        writers: frozenset[str],
        after_write: Callable[[], None] | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.table = table
        self.writers = writers
        self.after_write = after_write
        self.faults = faults if faults is not None else FaultPlan()
        self._vacm: dict[tuple[Any, ...], bool] = {}

    def _fault(self, key: str) -> None:
        """Command faults ``snmp-get``/``snmp-getnext``/``snmp-set``: hang and drop leave the request
        unanswered (the client times out), garbage answers genErr. Latency cannot be served by pysnmp's
        synchronous responders without stalling every request, so it is not offered here."""
        effect = self.faults.on_command(key).effect
        if effect in (FaultKind.HANG, FaultKind.DROP):
            raise PySnmpError(f"fault: {effect.value}")  # pysnmp sends nothing for this one
        if effect is FaultKind.GARBAGE:
            raise smi_error.GenError()

    def _hidden(self, view: str, name: Any, idx: int, ctx: dict[str, Any]) -> bool:
        """True when VACM says the variable is not in the principal's view.

        The VACM tables never change while the agent runs, so a decision is remembered per principal and
        OID (VACM was a tenth of a request's cost); refusals that raise are never cached."""
        request = ctx["snmpEngine"].observer.get_execution_context("rfc3412.receiveMessage:request")
        key = (
            str(request["securityModel"]),
            str(request["securityName"]),
            str(request["securityLevel"]),
            str(request["contextName"]),
            view,
            tuple(name),
        )
        hidden = self._vacm.get(key)
        if hidden is None:
            hidden = bool(ctx["acFun"](view, (name, None), **{**ctx, "idx": idx}))
            if len(self._vacm) >= VACM_CACHE_MAX:
                self._vacm.clear()
            self._vacm[key] = hidden
        return hidden

    def read_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[Any, Any]]:
        self._fault("snmp-get")
        out = []
        for idx, (name, _) in enumerate(var_binds):
            if self._hidden("read", name, idx, ctx):
                out.append((name, rfc1905.noSuchObject))
                continue
            found = self.table.get(tuple(name))
            out.append((name, _MISSING[found] if isinstance(found, Missing) else to_pysnmp(found)))
        return out

    def read_next_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[Any, Any]]:
        self._fault("snmp-getnext")
        out = []
        for idx, (name, _) in enumerate(var_binds):
            oid = tuple(name)
            while True:
                found = self.table.next(oid)
                if isinstance(found, Missing):
                    out.append((name, _MISSING[found]))
                    break
                oid, value = found
                next_name = rfc1902.ObjectName(oid)
                if not self._hidden("read", next_name, idx, ctx):
                    out.append((next_name, to_pysnmp(value)))
                    break
        return out

    def write_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[Any, Any]]:
        self._fault("snmp-set")
        if _security_name(ctx) not in self.writers:
            raise smi_error.NoAccessError(name=var_binds[0][0], idx=0)
        for idx, (name, _) in enumerate(var_binds):
            if self._hidden("write", name, idx, ctx):
                raise smi_error.NoAccessError(name=name, idx=idx)
        try:
            done = self.table.set([(tuple(n), from_pysnmp(v)) for n, v in var_binds])
        except SetRefused as refused:
            raise _FAULTS[refused.fault](name=var_binds[refused.index][0], idx=refused.index) from None
        if self.after_write is not None:
            self.after_write()
        return [(rfc1902.ObjectName(oid), to_pysnmp(value)) for oid, value in done]


def _add_access(eng: engine.SnmpEngine, access: Access) -> None:
    for com in access.communities:
        config.add_v1_system(eng, com.name, com.name)
        write_view = READ_VIEW if com.writable else NO_WRITE_VIEW
        for model in (1, 2):
            config.add_vacm_user(eng, model, com.name, "noAuthNoPriv", READ_VIEW, write_view)
    for user in access.users:
        config.add_v3_user(
            eng,
            user.name,
            AUTH_PROTOCOLS[user.auth],
            user.auth_key or None,
            PRIV_PROTOCOLS[user.priv],
            user.priv_key or None,
        )
        write_view = READ_VIEW if user.writable else NO_WRITE_VIEW
        config.add_vacm_user(eng, 3, user.name, user.level, READ_VIEW, write_view)


def bind_udp(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    sock.setblocking(False)
    return sock


class SnmpAgent:
    """One SNMP agent on one UDP socket; must be started inside a running asyncio loop."""

    def __init__(
        self,
        table: ObjectTable,
        access: Access,
        host: str = "127.0.0.1",
        port: int = 0,
        after_write: Callable[[], None] | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.table = table
        self.access = access
        self.after_write = after_write
        self.faults = faults
        self.sock = bind_udp(host, port)
        self.address: tuple[str, int] = self.sock.getsockname()
        self.engine: engine.SnmpEngine | None = None

    def start(self) -> None:
        eng = engine.SnmpEngine()
        config.add_transport(eng, udp.DOMAIN_NAME, udp.UdpTransport().open_server_mode(sock=self.sock))
        _add_access(eng, self.access)
        snmp_context = context.SnmpContext(eng)
        snmp_context.unregister_context_name(b"")
        controller = TableController(self.table, self.access.writers(), self.after_write, self.faults)
        snmp_context.register_context_name(b"", controller)
        for responder in (
            cmdrsp.GetCommandResponder,
            cmdrsp.NextCommandResponder,
            cmdrsp.BulkCommandResponder,
            cmdrsp.SetCommandResponder,
        ):
            responder(eng, snmp_context)
        self.engine = eng

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.close_dispatcher()
            self.engine = None


def parse_communities(specs: Iterable[str]) -> tuple[Community, ...]:
    """``name`` (read-only) or ``name:rw`` / ``name:ro``."""
    out = []
    for spec in specs:
        name, _, mode = spec.partition(":")
        out.append(Community(name, writable=mode.lower() == "rw"))
    return tuple(out)
