"""The devices a conformance run fences: an emulator per kind, the options an agent needs for it, and the
device's own view of the plug (ground truth, read from the emulator's control channel, never from the agent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.emulator_process import Emulator, start_emulator

PASSWORD = "Conf0rm-pw"
PROXY_HOST = "127.0.0.1"


@dataclass(frozen=True)
class DeviceKind:
    name: str
    emulator: str
    transport: str  # "tcp" | "udp": what the delay check's proxy relays
    port_key: str  # the emulator port the agent talks to
    has_plug: bool
    faults: tuple[str, ...]  # fault kinds this device can be given at run time

    def config(self) -> dict[str, Any]:
        return dict(CONFIGS[self.name])


KINDS = {
    "nps": DeviceKind(
        "nps", "nps", "tcp", "telnet", True, ("hang", "drop", "garbage", "refuse-login", "stuck")
    ),
    "bmc": DeviceKind(
        "bmc", "bmc", "udp", "bmc1", False, ("hang", "drop", "garbage", "refuse-login", "stuck")
    ),
    "san": DeviceKind("san", "san", "udp", "snmp", True, ("hang", "refuse-login", "stuck")),
    "pdu": DeviceKind("pdu", "san", "udp", "pdu_snmp", True, ("hang", "refuse-login", "stuck")),
    "redfish": DeviceKind(
        "redfish",
        "redfish",
        "tcp",
        "https",
        False,
        ("hang", "drop", "garbage", "server-error", "tls-fail", "refuse-login", "stuck"),
    ),  # fmt: skip
}

CONFIGS: dict[str, dict[str, Any]] = {
    "nps": {"password": PASSWORD, "plugs": 4, "relay_delay": 0.0, "boot_delay": 0.05, "ssh_port": False},
    "bmc": {"bmcs": [{"name": "bmc1", "powered": True}],
            "users": {"admin": {"password": PASSWORD, "privilege": "administrator"}}},
    "san": {"communities": ["public", "private:rw"], "users": {"admin": PASSWORD}, "relay_delay": 0.0},
    "pdu": {"communities": ["public", "private:rw"], "users": {"admin": PASSWORD}, "relay_delay": 0.0,
            "reboot_delay": 0.2},
    "redfish": {"users": {"admin": {"password": PASSWORD, "role": "Administrator"}}},
}  # fmt: skip


class Device:
    """One running emulator and what an agent needs to fence its first plug."""

    def __init__(self, kind: DeviceKind, snmp: bool = True) -> None:
        self.kind = kind
        self.cli = kind.name == "san" and not snmp  # fence_brocade: the switch's CLI over telnet
        self.emulator: Emulator = start_emulator(kind.emulator, kind.config(), timeout=20)

    @property
    def powers(self) -> bool:
        """A power device (reboot is part of its contract); a SAN switch fences by isolating a port."""
        return self.kind.name != "san"

    @property
    def transport(self) -> str:
        return "tcp" if self.cli else self.kind.transport

    @property
    def port(self) -> int:
        return int(self.emulator.ports["telnet" if self.cli else self.kind.port_key])

    def options(self, port: int | None = None) -> dict[str, str]:
        """The agent's options (long names, as stdin takes them) to fence plug 1 of this device."""
        opts = {"ipaddr": "127.0.0.1", "ipport": str(port or self.port)}
        if self.kind.name == "nps":
            opts.update(passwd=PASSWORD, plug="1")
        elif self.kind.name == "bmc":
            opts.update(login="admin", passwd=PASSWORD, lanplus="1")
        elif self.kind.name == "redfish":
            opts.update(login="admin", passwd=PASSWORD, ssl_insecure="1")
        elif self.cli:
            opts.update(login="admin", passwd=PASSWORD, plug="1")
        else:
            opts.update(community="private", snmp_version="2c", plug="1")
        return opts

    def wrong_password(self) -> dict[str, str]:
        opts = self.options()
        if not self.cli and "community" in opts:
            opts["community"] = "nosuchcommunity"
        else:
            opts["passwd"] = PASSWORD + "-wrong"
        return opts

    def secret(self) -> str:
        return "private" if self.kind.name in ("san", "pdu") and not self.cli else PASSWORD

    # ---- ground truth ---------------------------------------------------------------------------------
    def state(self) -> Mapping[str, Any]:
        return self.emulator.control({"cmd": "state"})

    def is_on(self) -> bool:
        """What the device itself says plug 1 is (power on / port enabled)."""
        state = self.state()
        if self.kind.name == "nps":
            return next(p for p in state["plugs"] if p["number"] == 1)["state"] == "on"
        if self.kind.name == "bmc":
            return bool(state["on"])
        if self.kind.name == "redfish":
            return bool(state["systems"][0]["on"])
        if self.kind.name == "san":
            return bool(next(p for p in state["switch_ports"] if p["port"] == 1)["enabled"])
        outlets = state.get("outlet_states") or {}
        return str(outlets.get("1", "on")) == "on"

    def fault(self, kind: str) -> None:
        spec: dict[str, Any] = {"kind": kind}
        if kind == "stuck":
            spec["plugs"] = ["1"]
        self.emulator.control({"cmd": "fault", "fault": spec})

    def clear_faults(self) -> None:
        self.emulator.control({"cmd": "clear-faults"})

    def stop(self) -> None:
        self.emulator.stop()
