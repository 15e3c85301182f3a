"""What a lab built from a cluster.conf needs: which emulator each fencedevice becomes, which outlet powers
which node, and the configuration each emulator starts with. Pure: a parsed cluster.conf in, a plan out.

Every ``<fencedevice>`` whose agent we can emulate becomes a device: NPS power switches (fence_nps,
fence_wti), IPMI BMCs (fence_ipmilan and its aliases; all BMCs of a lab share one fleet process, each with
its own port) and SAN switches (fence_ifmib, fence_brocade: fabric fencing, nothing is powered). The device
accepts the credentials the cluster.conf gives it, so the configuration runs unchanged. A node's plug on a
power device becomes one power feed of that node (see harness.power_board).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cluster.config.model import ClusterConf

POWER_KINDS = ("nps", "bmc")
AGENT_KINDS = {
    "fence_nps": "nps",
    "fence_wti": "nps",
    "fence_ipmilan": "bmc",
    "fence_ipmilanplus": "bmc",
    "fence_ilo3": "bmc",
    "fence_ilo4": "bmc",
    "fence_ilo5": "bmc",
    "fence_idrac": "bmc",
    "fence_imm": "bmc",
    "fence_ifmib": "san",
    "fence_brocade": "san",
}
NPS_PLUGS = 8


class LabPlanError(ValueError):
    """The cluster.conf asks for something a lab cannot emulate; one line, said before anything starts."""


@dataclass(frozen=True)
class Feed:
    device: str
    plug: str
    node: str

    @property
    def id(self) -> str:
        return f"{self.device}:{self.plug}"


@dataclass
class DevicePlan:
    name: str
    agent: str
    kind: str
    attrs: dict[str, str]
    feeds: list[Feed] = field(default_factory=list)  # power kinds: what each outlet powers
    hosts: dict[str, str] = field(default_factory=dict)  # san: switch port -> node it connects


@dataclass
class LabPlan:
    nodes: dict[int, str]  # nodeid -> name
    devices: list[DevicePlan]

    def feeds(self) -> dict[str, set[str]]:
        """node -> the ids of the feeds that power it (a node with none is powered by the lab itself)."""
        out: dict[str, set[str]] = {name: set() for name in self.nodes.values()}
        for device in self.devices:
            for feed in device.feeds:
                out[feed.node].add(feed.id)
        return out


def _plug_of(attrs: Mapping[str, str]) -> str | None:
    return attrs.get("port") or attrs.get("plug")


def plan_lab(conf: ClusterConf) -> LabPlan:
    nodes = {n.nodeid: n.name for n in conf.nodes}
    devices: dict[str, DevicePlan] = {}
    for fd in conf.fencedevices:
        kind = AGENT_KINDS.get(fd.agent)
        if kind is None:
            known = ", ".join(sorted(AGENT_KINDS))
            where = f"{conf.source}:{fd.line}" if fd.line else conf.source
            raise LabPlanError(
                f"{where}: fencedevice {fd.name}: agent {fd.agent} cannot be emulated ({known} can)"
            )
        devices[fd.name] = DevicePlan(fd.name, fd.agent, kind, dict(fd.attrs))
    for node in conf.nodes:
        for method in node.methods:
            for ref in method.devices:
                device = devices.get(ref.name)
                where = f"{conf.source}:{ref.line}" if ref.line else conf.source
                if device is None:
                    raise LabPlanError(
                        f"{where}: node {node.name}: fence device {ref.name} is not a <fencedevice>"
                    )
                attrs = {**device.attrs, **dict(ref.attrs)}
                plug = _plug_of(attrs)
                if device.kind == "bmc":  # a BMC powers exactly one chassis
                    plug = plug or "chassis"
                    other = device.feeds[0].node if device.feeds else node.name
                    if other != node.name:
                        raise LabPlanError(
                            f"{where}: fencedevice {ref.name} is a BMC but fences {other} and {node.name}"
                        )
                if plug is None:
                    raise LabPlanError(f"{where}: node {node.name}: device {ref.name} names no port (plug)")
                if device.kind == "san":
                    device.hosts[plug] = node.name
                elif not any(f.node == node.name and f.plug == plug for f in device.feeds):
                    device.feeds.append(Feed(device.name, plug, node.name))
    return LabPlan(nodes, list(devices.values()))


def nps_config(device: DevicePlan, host: str, wire: Mapping[str, list[str]]) -> dict[str, Any]:
    """The NPS emulator's TOML (as a dict): the conf's password (and login), plugs wired to feeds.

    A plug the conf gives by number keeps its number; one it gives by name ("node3") gets that name on
    the first number no other plug uses."""
    numbered = {int(f.plug): f for f in device.feeds if f.plug.isdigit()}
    named = [f for f in device.feeds if not f.plug.isdigit()]
    count = max([NPS_PLUGS, *numbered, len(numbered) + len(named)])
    free = iter(n for n in range(1, count + 1) if n not in numbered)
    slots: dict[int, tuple[str, Feed | None]] = {n: (feed.node, feed) for n, feed in numbered.items()}
    for by_name in named:
        slots[next(free)] = (by_name.plug, by_name)
    plugs = []
    for n in range(1, count + 1):
        name, feed = slots.get(n, (f"Outlet{n}", None))
        plug: dict[str, Any] = {"number": n, "name": name, "state": "on"}
        if feed is not None:
            plug["wire"] = wire[feed.id]
        plugs.append(plug)
    config: dict[str, Any] = {
        "host": host,
        "relay_delay": 0.02,
        "boot_delay": 0.2,
        "ssh_port": 0 if device.attrs.get("secure") in ("1", "on", "yes") else False,
        "plugs": plugs,
    }
    password = device.attrs.get("passwd") or device.attrs.get("password") or ""
    login = device.attrs.get("login") or device.attrs.get("username")
    if login:
        config["users"] = {login: password}
    else:
        config["password"] = password
    return config


def bmc_config(devices: list[DevicePlan], host: str, wire: Mapping[str, list[str]]) -> dict[str, Any]:
    """One BMC fleet for every IPMI fencedevice: each BMC takes the conf's login and password."""
    bmcs = []
    for device in devices:
        login = device.attrs.get("login") or device.attrs.get("username") or "admin"
        password = device.attrs.get("passwd") or device.attrs.get("password") or ""
        entry: dict[str, Any] = {
            "name": device.name,
            "powered": True,
            "users": {login: {"password": password, "privilege": "administrator"}},
        }
        if device.feeds:
            entry["target"] = wire[device.feeds[0].id]
        bmcs.append(entry)
    return {"host": host, "bmcs": bmcs}


def san_config(device: DevicePlan, host: str) -> dict[str, Any]:
    """A SAN switch whose ports connect the nodes the conf fences on it; the conf's community may write."""
    ports = [{"index": int(p), "host": node} for p, node in sorted(device.hosts.items()) if p.isdigit()]
    config: dict[str, Any] = {"host": host, "ports": ports or None}
    community = device.attrs.get("community")
    if community:
        config["communities"] = [f"{community}:rw"]
    login = device.attrs.get("login") or device.attrs.get("username")
    if login:
        config["users"] = {login: device.attrs.get("passwd") or device.attrs.get("password") or ""}
    return {k: v for k, v in config.items() if v is not None}
