"""The fabric switch as a pure model: ports, the hosts wired to them, and their enable state.

Both management views (SNMP IF-MIB and the Brocade-style CLI) read and change this one object, and the
storage array asks it whether a host may reach storage. No I/O and no clock here.

Port numbers start at 1 and are the same in both views: Brocade ``switchshow`` index N is IF-MIB
ifIndex N (real switches number FC ports from 0; starting at 1 keeps ifIndex valid and both plugs equal).

State per port:
- ``enabled``: the runtime admin state (``portdisable``/``portenable``, SNMP ifAdminStatus).
- ``persistent_disabled``: survives a switch reboot (``portCfgPersistentDisable``/``Enable``).
- ``link``: a host's cable is plugged in with light; oper status is up only when enabled and linked.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from emulators.base.faults import FaultPlan


class PortChange(enum.Enum):
    ENABLED = "enabled"
    DISABLED = "disabled"


@dataclass
class Port:
    index: int
    name: str  # ifDescr
    host: str | None = None  # the host wired to this port
    wwpn: str | None = None  # the host's port WWPN, shown by portshow
    speed: str = "N8"
    enabled: bool = True
    persistent_disabled: bool = False
    link: bool = True
    disable_count: int = 0  # bumped on every disable; lets I/O started before a fence notice it
    label: str | None = None  # an ifAlias written over SNMP

    @property
    def alias(self) -> str:
        """ifAlias: as written over SNMP, else the wired host's name (how an administrator labels a port)."""
        return self.label if self.label is not None else (self.host or "")

    @property
    def online(self) -> bool:
        return self.enabled and self.link and self.host is not None


Listener = Callable[[Port, PortChange, str], None]


class UnknownPort(LookupError):
    pass


@dataclass
class PortSpec:
    """One port of a switch configuration (what the TOML/CLI describes)."""

    index: int
    name: str | None = None
    host: str | None = None
    wwpn: str | None = None


@dataclass
class Switch:
    """A fabric switch. ``listeners`` hear every enable/disable with the view that caused it."""

    name: str = "sw0"
    ports: dict[int, Port] = field(default_factory=dict)
    listeners: list[Listener] = field(default_factory=list)
    boot_count: int = 0
    faults: FaultPlan = field(default_factory=FaultPlan)  # stuck/lie name ports by ifDescr ("port1")

    @classmethod
    def build(cls, name: str, specs: Iterable[PortSpec]) -> Switch:
        sw = cls(name=name)
        for spec in specs:
            if spec.index < 1 or spec.index in sw.ports:
                raise ValueError(f"bad or duplicate port index {spec.index}")
            sw.ports[spec.index] = Port(
                index=spec.index,
                name=spec.name or f"port{spec.index}",
                host=spec.host,
                wwpn=spec.wwpn,
                link=spec.host is not None,
            )
        return sw

    # -- lookups -------------------------------------------------------------------------------
    def port(self, index: int) -> Port:
        try:
            return self.ports[index]
        except KeyError:
            raise UnknownPort(index) from None

    def port_of_host(self, host: str) -> Port | None:
        """The port a host (by name or WWPN, case-insensitive) is wired to."""
        wanted = host.lower()
        for port in self.ports.values():
            if (port.host or "").lower() == wanted or (port.wwpn or "").lower() == wanted:
                return port
        return None

    def host_reaches_storage(self, host: str) -> bool:
        port = self.port_of_host(host)
        return port is not None and port.online

    def reported_enabled(self, port: Port) -> bool:
        """What management views show: the truth unless a lie fault covers the port."""
        return self.faults.reported(port.name, port.enabled)

    def sorted_ports(self) -> list[Port]:
        return [self.ports[i] for i in sorted(self.ports)]

    # -- changes -------------------------------------------------------------------------------
    def set_enabled(self, index: int, enabled: bool, *, persistent: bool = False, via: str = "") -> Port:
        """Enable or disable a port; ``persistent`` also records the state to survive a reboot."""
        port = self.port(index)
        if self.faults.is_stuck(port.name) and via != "reboot":
            return port  # the command is acknowledged, the port does not change
        if persistent:
            port.persistent_disabled = not enabled
        if port.enabled == enabled:
            return port
        port.enabled = enabled
        if not enabled:
            port.disable_count += 1
        self._tell(port, PortChange.ENABLED if enabled else PortChange.DISABLED, via)
        return port

    def set_link(self, index: int, link: bool) -> Port:
        port = self.port(index)
        port.link = link
        return port

    def reboot(self) -> None:
        """Runtime state is lost; persistent disables come back disabled, everything else enabled."""
        self.boot_count += 1
        for port in self.sorted_ports():
            self.set_enabled(port.index, not port.persistent_disabled, via="reboot")

    def _tell(self, port: Port, change: PortChange, via: str) -> None:
        for listener in list(self.listeners):
            listener(port, change, via)
