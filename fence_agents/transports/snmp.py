"""SNMP client transport for agents (no net-snmp programs).

Two implementations behind one small interface (:class:`SnmpSession`: get, set_int, walk):

- v1 / v2c: our own BER messages (:mod:`snmp_ber`) over a plain UDP socket: no library import at all,
  where pysnmp's message API costs a status run more than the stock agent's whole run and its SNMP
  engine ~200 ms of start-up: an agent is a short-lived process.
- v3 (USM, auth MD5/SHA, priv DES/AES): pysnmp's engine via ``pysnmp.hlapi.v3arch.asyncio``
  imported only when v3 is asked for.

Values come back as Python values: ``int`` for numbers, ``str`` for octet strings, a tuple for an OID,
and :data:`MISSING` for noSuchObject / noSuchInstance / endOfMibView (v1: noSuchName).
Every request has a deadline: ``timeout`` per attempt, ``retries`` further attempts.
"""

from __future__ import annotations

import os
import socket
import time
from abc import ABC, abstractmethod

from fence_agents.errors import ConnectError, DeviceError, DeviceTimeout
from fence_agents.request import Request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


Oid = tuple[int, ...]
SnmpValue = int | str | Oid | None
MISSING: SnmpValue = None

V1_ERRORS = {1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr"}
V2_ERRORS = {
    **V1_ERRORS,
    6: "noAccess",
    7: "wrongType",
    8: "wrongLength",
    9: "wrongEncoding",
    10: "wrongValue",
    11: "noCreation",
    12: "inconsistentValue",
    13: "resourceUnavailable",
    14: "commitFailed",
    15: "undoFailed",
    16: "authorizationError",
    17: "notWritable",
    18: "inconsistentName",
}


def parse_oid(text: str) -> Oid:
    return tuple(int(p) for p in text.strip().strip(".").split(".") if p)


def oid_text(oid: Oid) -> str:
    return "." + ".".join(str(p) for p in oid)


class SnmpError(DeviceError):
    """The agent answered with an SNMP error status."""

    def __init__(self, status: str, oid: Oid | None = None) -> None:
        where = f" ({oid_text(oid)})" if oid else ""
        super().__init__(f"Failed: SNMP error {status}{where}")
        self.status = status


class SnmpTarget:
    """Where and how to reach an SNMP agent (a plain class: dataclasses cost a status run its import)."""

    __slots__ = ("host", "port", "version", "community", "user", "sec_level", "auth_prot", "auth_key",
                 "priv_prot", "priv_key", "timeout", "retries", "family")  # fmt: skip

    def __init__(
        self,
        host: str,
        port: int = 161,
        version: str = "2c",  # 1 | 2c | 3
        community: str = "private",
        user: str = "",
        sec_level: str = "",  # noAuthNoPriv | authNoPriv | authPriv ("" = derived from the keys given)
        auth_prot: str = "MD5",
        auth_key: str = "",
        priv_prot: str = "DES",
        priv_key: str = "",
        timeout: float = 1.0,
        retries: int = 2,
        family: int = 0,  # 0 any, or socket.AF_INET / AF_INET6
    ) -> None:
        self.host, self.port, self.version, self.community, self.user = host, port, version, community, user
        self.sec_level, self.auth_prot, self.auth_key = sec_level, auth_prot, auth_key
        self.priv_prot, self.priv_key, self.timeout, self.retries, self.family = (
            priv_prot, priv_key, timeout, retries, family)  # fmt: skip

    def __repr__(self) -> str:  # never a key or the community
        return f"SnmpTarget({self.host}:{self.port}, v{self.version}, user={self.user!r})"

    @property
    def level(self) -> str:
        if self.sec_level:
            return self.sec_level
        if self.auth_key and self.priv_key:
            return "authPriv"
        return "authNoPriv" if self.auth_key else "noAuthNoPriv"


class SnmpSession(ABC):
    @abstractmethod
    def get(self, oid: Oid) -> SnmpValue: ...

    @abstractmethod
    def set_int(self, oid: Oid, value: int) -> None: ...

    @abstractmethod
    def walk(self, prefix: Oid) -> list[tuple[Oid, SnmpValue]]: ...

    def close(self) -> None:  # noqa: B027 - optional
        pass


def python_value(value: Any) -> SnmpValue:
    """A value as a Python value: MISSING for the v2 exception values and NULL. Values of our own BER
    decoder are Python values already; pysnmp's (v3) are converted by their type's name."""
    from fence_agents.transports.snmp_ber import Exceptional

    if isinstance(value, Exceptional):
        return MISSING
    if type(value) in (int, str, tuple):
        return value  # type: ignore[no-any-return]
    name = value.__class__.__name__
    if name in ("NoSuchObject", "NoSuchInstance", "EndOfMibView", "Null"):
        return MISSING
    if name in ("OctetString", "DisplayString", "Opaque", "Bits"):
        return bytes(value.asOctets()).decode("utf-8", "replace")
    if name in ("ObjectIdentifier", "ObjectName"):
        return tuple(value)
    if name == "IpAddress":
        return ".".join(str(b) for b in value.asOctets())
    return int(value)


def answered_value(asked: Oid, varbinds: list[tuple[Oid, Any]]) -> SnmpValue:
    """The value of a GET answer, only if it is about the object asked for (some agents answer a GET
    like a GETNEXT: the value of another port must never pass for this one's)."""
    if len(varbinds) != 1 or tuple(varbinds[0][0]) != asked:
        got = oid_text(tuple(varbinds[0][0])) if varbinds else "nothing"
        raise DeviceError(f"Failed: SNMP agent answered {got} to a GET of {oid_text(asked)}")
    return python_value(varbinds[0][1])


def resolve(target: SnmpTarget) -> tuple[int, Any]:
    """(family, sockaddr) of the agent; an address literal skips the resolver (and its idna codec)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        if target.family in (0, family):
            try:
                socket.inet_pton(family, target.host)
            except (OSError, ValueError):
                continue
            return family, (target.host, target.port)
    try:
        infos = socket.getaddrinfo(target.host, target.port, target.family, socket.SOCK_DGRAM)
    except (OSError, UnicodeError) as err:
        raise ConnectError(f"Failed: cannot resolve {target.host}: {err}") from None
    return infos[0][0], infos[0][4]


def _unreachable(err: OSError) -> ConnectError:
    return ConnectError(f"Unable to connect/login to fencing device ({err.strerror})")


class CommunitySession(SnmpSession):
    """SNMP v1/v2c over one UDP socket (:mod:`snmp_ber` messages): request-id matching, retransmission."""

    def __init__(self, target: SnmpTarget) -> None:
        self.target = target
        self.v1 = target.version == "1"
        family, address = resolve(target)
        self.address: Any = address
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        # connected: datagrams from anyone else are dropped by the kernel, and an ICMP port-unreachable
        # fails the request at once instead of after every retry
        self.sock.connect(address)
        self._request_id = int.from_bytes(os.urandom(3), "big")

    def close(self) -> None:
        self.sock.close()

    def _exchange(self, pdu: int, varbinds: list[tuple[Oid, int | None]], repetitions: int = 0) -> Any:
        from fence_agents.transports import snmp_ber as ber

        self._request_id = (self._request_id + 1) % 0x7FFFFFFF
        version = ber.VERSION_1 if self.v1 else ber.VERSION_2C
        wire = ber.encode_request(
            version, self.target.community, pdu, self._request_id, varbinds, repetitions
        )
        for _ in range(1 + max(self.target.retries, 0)):
            try:
                self.sock.send(wire)
            except OSError as err:
                raise _unreachable(err) from None
            deadline = time.monotonic() + self.target.timeout
            while (left := deadline - time.monotonic()) > 0:
                self.sock.settimeout(left)
                try:
                    data = self.sock.recv(65535)
                except TimeoutError:
                    break
                except OSError as err:  # ICMP port unreachable (connection refused)
                    raise _unreachable(err) from None
                try:
                    reply = ber.decode_response(data)
                except ValueError:  # a corrupt datagram is ignored, like net-snmp does
                    continue
                if reply.request_id == self._request_id:
                    return reply
        raise DeviceTimeout()

    def _check(self, reply: Any) -> list[tuple[Oid, Any]]:
        varbinds: list[tuple[Oid, Any]] = reply.varbinds
        if reply.error_status:
            index = reply.error_index
            oid = varbinds[index - 1][0] if 0 < index <= len(varbinds) else None
            errors = V1_ERRORS if self.v1 else V2_ERRORS
            raise SnmpError(errors.get(reply.error_status, str(reply.error_status)), oid)
        return varbinds

    def get(self, oid: Oid) -> SnmpValue:
        from fence_agents.transports.snmp_ber import GET

        try:
            varbinds = self._check(self._exchange(GET, [(oid, None)]))
        except SnmpError as err:
            if err.status == "noSuchName":
                return MISSING
            raise
        return answered_value(oid, varbinds)

    def set_int(self, oid: Oid, value: int) -> None:
        from fence_agents.transports.snmp_ber import SET

        self._check(self._exchange(SET, [(oid, value)]))

    def walk(self, prefix: Oid) -> list[tuple[Oid, SnmpValue]]:
        from fence_agents.transports.snmp_ber import END_OF_MIB_VIEW, GET_BULK, GET_NEXT

        out: list[tuple[Oid, SnmpValue]] = []
        cursor = prefix
        while True:
            try:
                if self.v1:
                    varbinds = self._check(self._exchange(GET_NEXT, [(cursor, None)]))
                else:
                    varbinds = self._check(self._exchange(GET_BULK, [(cursor, None)], repetitions=25))
            except SnmpError as err:
                if self.v1 and err.status == "noSuchName":
                    return out  # v1's end of the MIB
                raise
            for oid, value in varbinds:
                if oid[: len(prefix)] != prefix or value is END_OF_MIB_VIEW:
                    return out
                if oid <= cursor:
                    raise DeviceError("Failed: SNMP agent returned OIDs out of order")
                out.append((oid, python_value(value)))
                cursor = oid
            if not varbinds:
                return out


def target_from_request(request: Request) -> SnmpTarget:
    """The SNMP options of a fence agent run (stock option names and defaults)."""

    def secret(key: str) -> str:
        value = request.secret(key)
        return value.reveal() if value is not None else ""

    family = (
        socket.AF_INET if request.flag("inet4_only") else socket.AF_INET6 if request.flag("inet6_only") else 0
    )
    attempt = max(0.2, min(1.0, request.seconds("shell_timeout", 3.0)))
    total = request.seconds("login_timeout", 5.0) + request.seconds("shell_timeout", 3.0)
    return SnmpTarget(
        host=request.ipaddr or "",
        port=request.int("ipport", 161),
        version=request.str("snmp_version") or "2c",
        community=secret("community") or request.str("community") or "private",
        user=request.login or "",
        sec_level=request.str("snmp_sec_level") or "",
        auth_prot=(request.str("snmp_auth_prot") or "MD5").upper(),
        auth_key=request.password.reveal() if request.password else "",
        priv_prot=(request.str("snmp_priv_prot") or "DES").upper(),
        priv_key=secret("snmp_priv_passwd"),
        timeout=attempt,
        retries=max(0, int(total / attempt) - 1),
        family=family,
    )
