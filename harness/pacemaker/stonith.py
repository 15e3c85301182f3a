"""cluster.conf fencing -> Pacemaker stonith resources and fencing topology. Pure.

One stonith primitive per ``<fencedevice>`` some node uses, running our agent (under the name it is
installed as) against the device's endpoint, with ``pcmk_host_map`` from each node's plug. Per-node device
attributes other than the plug (a BMC address per node, lanplus...) split a device into one primitive per
distinct setting, each with its own ``pcmk_host_list``. Each node's fence methods become fencing levels in
document order; a method's devices are that level's devices. ``<unfence>`` marks the devices it names
``provides=unfencing``. fenced's dual-power idiom (every device ``action="off"``, then the same ones
``action="on"``) is what a Pacemaker level does for reboot anyway (all off, then all on), so it becomes a
plain level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from cluster.config.model import ClusterConf, ClusterNode, DeviceRef, FenceDevice

from .cib_xml import Ids, text, xml_id
from .errors import TranslateError, where
from .fence_agents_table import AgentTable, agent_table, known_agents
from .stonith_device import PACEMAKER_DEFAULT_TIMEOUT, StonithDevice

REF_SKIP = ("nodename",)  # fenced adds it itself; Pacemaker sends it too


@dataclass
class FencingPlan:
    devices: list[StonithDevice]
    levels: list[etree._Element]
    stonith_timeout: int | None  # seconds, when the agents need more than Pacemaker's default

    def resources(self, delay_base: int) -> list[str]:
        return [text(d.element(delay_base)) for d in self.devices]


class _Translator:
    def __init__(
        self,
        conf: ClusterConf,
        endpoints: Mapping[str, tuple[str, int]] | None,
        agent_names: Mapping[str, str],
        ids: Ids,
        warnings: list[str],
    ) -> None:
        self.conf = conf
        self.endpoints = endpoints
        self.agent_names = agent_names
        self.ids = ids
        self.warnings = warnings
        self.devices: dict[str, list[StonithDevice]] = {}
        self.shared: dict[str, tuple[dict[str, str], str | None]] = {}  # device -> (params, action)

    def at(self, line: int | None) -> str:
        return where(self.conf.source, line)

    # -- a <fencedevice> ---------------------------------------------------------------------------
    def fencedevice(self, ref: DeviceRef, node: ClusterNode) -> FenceDevice:
        fd = self.conf.fencedevice(ref.name)
        if fd is None:
            raise TranslateError(
                f"{self.at(ref.line)}: node {node.name}: fence device {ref.name} is not a <fencedevice>"
            )
        return fd

    def table(self, fd: FenceDevice) -> AgentTable:
        table = agent_table(fd.agent)
        if table is None:
            raise TranslateError(
                f"{self.at(fd.line)}: fencedevice {fd.name}: agent {fd.agent} is not one of "
                f"fencelab's agents ({', '.join(known_agents())})"
            )
        return table

    def shared_params(self, fd: FenceDevice, table: AgentTable) -> tuple[dict[str, str], str | None]:
        if fd.name in self.shared:
            return self.shared[fd.name]
        if self.endpoints is not None and fd.name not in self.endpoints:
            raise TranslateError(
                f"{self.at(fd.line)}: fencedevice {fd.name}: agent {fd.agent}: no emulator answers for it"
            )
        params: dict[str, str] = {}
        action = None
        for attr, value in fd.attrs:
            if attr == "agent":
                continue
            key = table.key(attr)
            if key is None:
                self.warnings.append(
                    f"{self.at(fd.line)}: fencedevice {fd.name}: {table.name} has no parameter "
                    f"{attr!r}: dropped"
                )
            elif key == "action":
                action = value
            elif key == "port":
                raise TranslateError(
                    f"{self.at(fd.line)}: fencedevice {fd.name}: a plug on the device itself fences "
                    "one plug for every node: give it per node in <device>"
                )
            elif not value and not (self.endpoints is not None and key in ("ipaddr", "ipport")):
                self.warnings.append(f"{self.at(fd.line)}: fencedevice {fd.name}: {attr} is empty: left out")
            else:
                params[table.stdin_name(key)] = value
        if self.endpoints is not None:
            address, port = self.endpoints[fd.name]
            if params.pop("serial_port", None) is not None:
                self.warnings.append(
                    f"{self.at(fd.line)}: fencedevice {fd.name}: the lab's emulator answers on the network, "
                    "serial_port dropped"
                )
            params[table.stdin_name("ipaddr")] = address
            if "ipport" in table.options:
                params["ipport"] = str(port)
        self.shared[fd.name] = (params, action)
        return params, action

    # -- a node's <device> ---------------------------------------------------------------------------
    def ref_settings(
        self, ref: DeviceRef, node: ClusterNode, table: AgentTable
    ) -> tuple[list[str], list[tuple[str, str]], str | None]:
        plugs: list[str] = []
        settings: list[tuple[str, str]] = []
        action = None
        for attr, value in ref.attrs:
            if attr in REF_SKIP:
                continue
            key = table.key(attr)
            if key is None:
                self.warnings.append(
                    f"{self.at(ref.line)}: node {node.name}: device {ref.name}: {table.name} has no "
                    f"parameter {attr!r}: dropped"
                )
            elif key == "port":
                plugs.append(value)
            elif key == "action":
                action = value
            elif key in ("ipaddr", "ipport") and self.endpoints is not None:
                continue  # the emulator's endpoint replaces the address of every node's entry
            else:
                settings.append((table.stdin_name(key), value))
        return plugs, settings, action

    def primitive_for(
        self,
        fd: FenceDevice,
        table: AgentTable,
        settings: list[tuple[str, str]],
        action: str | None,
        line: int | None,
    ) -> StonithDevice:
        params, shared_action = self.shared_params(fd, table)
        reboot_action = "off" if table.fabric else None
        chosen = action or shared_action
        if chosen in ("off",):
            reboot_action = "off"
        elif chosen not in (None, "reboot"):
            raise TranslateError(
                f"{self.at(line)}: device {fd.name}: action={chosen!r} in a fence method cannot be "
                "a Pacemaker fence (only reboot or off)"
            )
        key = tuple(sorted(settings))
        group = self.devices.setdefault(fd.name, [])
        for existing in group:
            if existing.settings == key and existing.reboot_action == reboot_action:
                return existing
        rid = fd.name if not group else f"{fd.name}-{len(group) + 1}"
        self.ids.claim(xml_id(rid), f"fencedevice {fd.name}")
        agent = self.agent_names.get(table.name, table.name)
        made = StonithDevice(
            fd.name, xml_id(rid), agent, table, {**params, **dict(settings)}, key, reboot_action, line=fd.line
        )
        group.append(made)
        return made

    # -- methods ------------------------------------------------------------------------------------
    def method_refs(
        self, node: ClusterNode, refs: tuple[DeviceRef, ...]
    ) -> list[tuple[DeviceRef, str | None]]:
        """The refs of a method with fenced's off-then-on pairs folded into one (action dropped)."""
        actions = [dict(r.attrs).get("action") for r in refs]
        offs = {(r.name, _plug(r)) for r, a in zip(refs, actions, strict=True) if a == "off"}
        ons = {(r.name, _plug(r)) for r, a in zip(refs, actions, strict=True) if a == "on"}
        paired = offs & ons
        kept: list[tuple[DeviceRef, str | None]] = []
        for ref, action in zip(refs, actions, strict=True):
            if (ref.name, _plug(ref)) in paired:
                if action == "on":
                    continue
                action = None
            elif action == "on":
                raise TranslateError(
                    f'{self.at(ref.line)}: node {node.name}: device {ref.name} action="on" without an "off" '
                    "before it in the method: Pacemaker cannot fence by powering on"
                )
            kept.append((ref, action))
        return kept

    def node_levels(self, node: ClusterNode) -> list[etree._Element]:
        levels = []
        if not node.methods:
            raise TranslateError(
                f"{self.at(node.line)}: clusternode {node.name} has no fence method: Pacemaker "
                "(stonith-enabled) could never fence it"
            )
        for index, method in enumerate(node.methods, 1):
            if not method.devices:
                raise TranslateError(
                    f"{self.at(method.line)}: node {node.name}: fence method {method.name!r} has no devices"
                )
            if index > 9:
                raise TranslateError(
                    f"{self.at(method.line)}: node {node.name}: Pacemaker allows 9 fencing levels"
                )
            rids: list[str] = []
            for ref, action in self.method_refs(node, method.devices):
                fd = self.fencedevice(ref, node)
                table = self.table(fd)
                plugs, settings, _ = self.ref_settings(ref, node, table)
                device = self.primitive_for(fd, table, settings, action, ref.line)
                device = self.place(device, node, plugs, index, table, ref)
                if device.rid not in rids:
                    rids.append(device.rid)
            level_id = xml_id("fl", node.name, str(index))
            self.ids.claim(level_id, f"fencing level {index} of {node.name}")
            levels.append(
                etree.Element(
                    "fencing-level", id=level_id, target=node.name, index=str(index), devices=",".join(rids)
                )
            )
        return levels

    def place(
        self,
        device: StonithDevice,
        node: ClusterNode,
        plugs: list[str],
        method: int,
        table: AgentTable,
        ref: DeviceRef,
    ) -> StonithDevice:
        """Record the node's plugs on the primitive (a second plug of the same method joins them)."""
        if table.needs_plug and not plugs:
            raise TranslateError(
                f"{self.at(ref.line)}: node {node.name}: device {ref.name} names no port (plug)"
            )
        current = device.plugs.get(node.name)
        if current is None:
            if not plugs and device.plugs and not any(device.plugs.values()):
                other = next(iter(device.plugs))
                raise TranslateError(
                    f"{self.at(ref.line)}: fencedevice {ref.name} has no plug but fences {other} "
                    f"and {node.name}: give each node its own device (or its own address)"
                )
            device.plugs[node.name] = list(plugs)
            device.plug_method[node.name] = method
            return device
        if device.plug_method[node.name] != method:
            if sorted(current) != sorted(plugs):
                raise TranslateError(
                    f"{self.at(ref.line)}: node {node.name}: device {ref.name} fences it through plug(s) "
                    f"{','.join(plugs) or 'none'} here and {','.join(current) or 'none'} in method "
                    f"{device.plug_method[node.name]}: one Pacemaker device maps a node to one set of plugs"
                )
            return device
        for plug in plugs:
            if plug not in current:
                current.append(plug)
        return device

    def unfence(self, node: ClusterNode) -> None:
        for ref in node.unfence:
            action = dict(ref.attrs).get("action")
            if action not in (None, "on", "enable"):
                raise TranslateError(
                    f"{self.at(ref.line)}: node {node.name}: unfence device {ref.name} action={action!r}: "
                    "Pacemaker unfences with on only"
                )
            serving = [d for d in self.devices.get(ref.name, []) if node.name in d.plugs]
            if not serving:
                raise TranslateError(
                    f"{self.at(ref.line)}: node {node.name}: unfence device {ref.name} is not in "
                    "its fence methods: Pacemaker unfences through the devices that fence the node"
                )
            for device in serving:
                device.unfencing = True
                plug = _plug(ref)
                if plug is not None and plug not in device.plugs[node.name]:
                    self.warnings.append(
                        f"{self.at(ref.line)}: node {node.name}: unfence plug {plug} differs from "
                        "its fence plug "
                        f"{','.join(device.plugs[node.name])}: Pacemaker unfences the fence plug"
                    )


def _plug(ref: DeviceRef) -> str | None:
    attrs = dict(ref.attrs)
    return attrs.get("port") or attrs.get("plug")


def fencing_plan(
    conf: ClusterConf,
    endpoints: Mapping[str, tuple[str, int]] | None,
    agent_names: Mapping[str, str],
    ids: Ids,
    warnings: list[str],
) -> FencingPlan:
    t = _Translator(conf, endpoints, agent_names, ids, warnings)
    levels = [level for node in conf.nodes for level in t.node_levels(node)]
    for node in conf.nodes:
        t.unfence(node)
    order = {fd.name: i for i, fd in enumerate(conf.fencedevices)}
    devices = [d for name in sorted(t.devices, key=order.__getitem__) for d in t.devices[name]]
    for device in devices:
        shared_plugs: dict[str, list[str]] = {}
        for node_name, plugs in device.plugs.items():
            for plug in plugs:
                shared_plugs.setdefault(plug, []).append(node_name)
        for plug, nodes in shared_plugs.items():
            if len(nodes) > 1:
                warnings.append(
                    f"{where(conf.source, device.line)}: fencedevice {device.device}: plug {plug} fences "
                    f"{' and '.join(nodes)}: fencing one powers off all of them"
                )
    unused = [fd.name for fd in conf.fencedevices if fd.name not in t.devices]
    for name in unused:
        fd = conf.fencedevice(name)
        warnings.append(
            f"{where(conf.source, fd.line if fd else None)}: fencedevice {name} fences no node: left out"
        )
    longest = max((d.timeout() for d in devices), default=0)
    return FencingPlan(devices, levels, longest if longest > PACEMAKER_DEFAULT_TIMEOUT else None)
