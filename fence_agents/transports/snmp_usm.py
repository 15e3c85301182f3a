"""SNMP v3 (USM: auth MD5/SHA, priv DES/AES) through pysnmp's engine (hlapi, asyncio), imported only when
v3 is asked for: the engine costs ~200 ms of start-up, v1/v2c need none of it (:mod:`snmp`)."""

from __future__ import annotations

import socket

from fence_agents.errors import ConnectError, DeviceTimeout, LoginError
from fence_agents.transports.snmp import (
    V2_ERRORS,
    Oid,
    SnmpError,
    SnmpSession,
    SnmpTarget,
    SnmpValue,
    answered_value,
    oid_text,
    python_value,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class UsmSession(SnmpSession):
    """SNMP v3 through pysnmp's engine (hlapi, asyncio), on one private event loop."""

    def __init__(self, target: SnmpTarget) -> None:
        import asyncio

        from pysnmp.hlapi.v3arch import asyncio as hl

        from fence_agents.logsetup import bridge_library_logs

        bridge_library_logs()
        self.hl = hl
        self.target = target
        self.heard = False  # no answer yet: a time-out then means we never reached the agent at all
        self.loop = asyncio.new_event_loop()
        self.engine = hl.SnmpEngine()
        level = target.level
        auth = {"MD5": hl.usmHMACMD5AuthProtocol, "SHA": hl.usmHMACSHAAuthProtocol}[target.auth_prot]
        priv = {"DES": hl.usmDESPrivProtocol, "AES": hl.usmAesCfb128Protocol}[target.priv_prot]
        self.auth = hl.UsmUserData(
            target.user,
            authKey=target.auth_key if level != "noAuthNoPriv" else None,
            privKey=target.priv_key if level == "authPriv" else None,
            authProtocol=auth if level != "noAuthNoPriv" else hl.usmNoAuthProtocol,
            privProtocol=priv if level == "authPriv" else hl.usmNoPrivProtocol,
        )
        make = hl.Udp6TransportTarget if target.family == socket.AF_INET6 else hl.UdpTransportTarget
        try:
            self.transport = self.loop.run_until_complete(
                make.create((target.host, target.port), timeout=target.timeout, retries=target.retries)
            )
        except Exception as err:  # noqa: BLE001 - pysnmp wraps resolver errors in its own types
            self.loop.close()
            raise ConnectError(f"Failed: cannot resolve {target.host}: {err}") from None

    def close(self) -> None:
        import asyncio

        self.engine.close_dispatcher()
        pending = asyncio.all_tasks(self.loop)
        for task in pending:  # pysnmp leaves its timeout task behind; finish it before closing the loop
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()

    def _run(self, coro: Any) -> list[tuple[Oid, Any]]:
        indication, status, index, varbinds = self.loop.run_until_complete(coro)
        self._raise(indication, status, index, varbinds)
        return [(tuple(vb[0]), vb[1]) for vb in varbinds]

    def _raise(self, indication: Any, status: Any, index: Any, varbinds: Any) -> None:
        if indication:
            text = str(indication)
            if "timeout" in text.lower():
                if not self.heard:  # v3 starts with engine discovery: silence there is a failed login
                    raise ConnectError("Unable to connect/login to fencing device (no answer from the agent)")
                raise DeviceTimeout()
            raise LoginError(f"Unable to connect/login to fencing device ({text})")
        self.heard = True
        if status:
            i = int(index)
            oid = tuple(varbinds[i - 1][0]) if 0 < i <= len(varbinds) else None
            raise SnmpError(V2_ERRORS.get(int(status), str(status)), oid)

    def _object(self, oid: Oid, value: Any = None) -> Any:
        hl = self.hl
        identity = hl.ObjectIdentity(oid_text(oid))
        return hl.ObjectType(identity) if value is None else hl.ObjectType(identity, value)

    def get(self, oid: Oid) -> SnmpValue:
        hl = self.hl
        varbinds = self._run(
            hl.get_cmd(self.engine, self.auth, self.transport, hl.ContextData(), self._object(oid))
        )
        return answered_value(oid, varbinds)

    def set_int(self, oid: Oid, value: int) -> None:
        hl = self.hl
        obj = self._object(oid, hl.Integer32(value))
        self._run(hl.set_cmd(self.engine, self.auth, self.transport, hl.ContextData(), obj))

    def walk(self, prefix: Oid) -> list[tuple[Oid, SnmpValue]]:
        hl = self.hl

        async def collect() -> list[tuple[Oid, SnmpValue]]:
            out: list[tuple[Oid, SnmpValue]] = []
            rows = hl.walk_cmd(
                self.engine,
                self.auth,
                self.transport,
                hl.ContextData(),
                self._object(prefix),
                lexicographicMode=False,
            )
            async for indication, status, index, varbinds in rows:
                self._raise(indication, status, index, varbinds)
                out.extend((tuple(vb[0]), python_value(vb[1])) for vb in varbinds)
            return out

        return self.loop.run_until_complete(collect())
