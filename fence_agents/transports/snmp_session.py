"""Opening an SNMP session for an agent: v1/v2c (:mod:`snmp`) or v3 (:mod:`snmp_usm`), logged at DEBUG."""

from __future__ import annotations

from fence_agents.transports.snmp import CommunitySession, Oid, SnmpSession, SnmpTarget, SnmpValue, oid_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.log import Logger


class LoggedSession(SnmpSession):
    """Logs every request and answer at DEBUG (what ``-v`` shows); never a key or a community."""

    def __init__(self, inner: SnmpSession, log: Logger) -> None:
        self.inner = inner
        self.log = log

    def get(self, oid: Oid) -> SnmpValue:
        value = self.inner.get(oid)
        self.log.debug("GET %s -> %r", oid_text(oid), value)
        return value

    def set_int(self, oid: Oid, value: int) -> None:
        self.log.debug("SET %s = %d", oid_text(oid), value)
        self.inner.set_int(oid, value)

    def walk(self, prefix: Oid) -> list[tuple[Oid, SnmpValue]]:
        rows = self.inner.walk(prefix)
        self.log.debug("WALK %s -> %d rows", oid_text(prefix), len(rows))
        for oid, value in rows:
            self.log.debug("  %s = %r", oid_text(oid), value)
        return rows

    def close(self) -> None:
        self.inner.close()


def open_snmp(target: SnmpTarget, log: Logger | None = None) -> SnmpSession:
    if target.version == "3":
        from fence_agents.transports.snmp_usm import UsmSession

        session: SnmpSession = UsmSession(target)
    else:
        session = CommunitySession(target)
    if log is not None:
        log.debug("SNMP v%s to %s:%d", target.version, target.host, target.port)
        session = LoggedSession(session, log)
    return session
