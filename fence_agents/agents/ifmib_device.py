"""fence_ifmib's device: IF-MIB ifAdminStatus over SNMP (declaration: :mod:`fence_agents.agents.ifmib`).

``off`` sets ifAdminStatus down (2), ``on`` (unfence) sets it up (1); status is ON only for up (1), anything
else (down, testing) is OFF. ``list`` shows ifDescr with ifAlias. Imported only when an action runs.
"""

from __future__ import annotations

from fence_agents.device import Device, PowerState
from fence_agents.errors import PlugNotFound, UsageError
from fence_agents.transports.snmp import MISSING, Oid, SnmpSession, SnmpValue, target_from_request

IF_DESCR: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 2)
IF_ADMIN_STATUS: Oid = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
IF_ALIAS: Oid = (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18)
UP, DOWN, TESTING = 1, 2, 3

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.request import Request


class IfMibDevice(Device):
    def __init__(self, request: Request) -> None:
        self.request = request
        self.session: SnmpSession | None = None
        self._index: dict[str, int] = {}  # plug as given -> ifIndex

    def login(self) -> None:
        from fence_agents.transports.snmp_session import open_snmp

        target = target_from_request(self.request)
        if target.version == "3" and not target.user:
            raise UsageError("Failed: You have to set login name")
        self.session = open_snmp(target, self.request.log)

    def _s(self) -> SnmpSession:
        assert self.session is not None, "login first"
        return self.session

    def _descr(self) -> list[tuple[int, str]]:
        return [(oid[-1], str(value)) for oid, value in self._s().walk(IF_DESCR) if value is not MISSING]

    def if_index(self, plug: str) -> int:
        """ifIndex of a plug: the number itself, or the row whose ifDescr equals the name."""
        if plug in self._index:
            return self._index[plug]
        if plug.isdigit():
            index = int(plug)
        else:
            matches = [i for i, name in self._descr() if name == plug]
            if not matches:
                raise PlugNotFound(f"Failed: Can't find port with name {plug}!")
            if len(matches) > 1:  # ifDescr need not be unique: fencing a guess may cut the wrong port
                found = ", ".join(str(i) for i in matches)
                raise PlugNotFound(
                    f"Failed: Port name {plug} matches several interfaces (ifIndex {found}): give the ifIndex"
                )
            index = matches[0]
        self._index[plug] = index
        return index

    def get_power(self, plug: str | None) -> PowerState:
        value = self._s().get(IF_ADMIN_STATUS + (self.if_index(plug or ""),))
        if value is MISSING:
            raise PlugNotFound()
        return admin_state(value)

    def set_power(self, plug: str | None, state: PowerState) -> None:
        self._s().set_int(
            IF_ADMIN_STATUS + (self.if_index(plug or ""),), UP if state is PowerState.ON else DOWN
        )

    def list_plugs(self) -> dict[str, str]:
        aliases = {oid[-1]: str(value) for oid, value in self._s().walk(IF_ALIAS) if value is not MISSING}
        return {name: aliases.get(index, "") for index, name in self._descr()}

    def list_status(self) -> dict[str, tuple[str, PowerState]]:
        admin = {oid[-1]: value for oid, value in self._s().walk(IF_ADMIN_STATUS)}
        aliases = {oid[-1]: str(value) for oid, value in self._s().walk(IF_ALIAS) if value is not MISSING}
        return {
            name: (aliases.get(index, ""), admin_state(admin.get(index))) for index, name in self._descr()
        }

    def logout(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.close()


def admin_state(value: SnmpValue) -> PowerState:
    """ifAdminStatus as a power state: up is ON; down and testing are OFF (as the stock agent); anything
    else (a value outside the enumeration, a string, a missing value) is UNKNOWN, never OFF."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value == UP:
            return PowerState.ON
        if value in (DOWN, TESTING):
            return PowerState.OFF
    return PowerState.UNKNOWN
