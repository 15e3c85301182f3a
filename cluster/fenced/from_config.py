"""Build fenced's plan from the cluster.conf model (the only place fenced touches the config types)."""

from __future__ import annotations

from cluster.config.model import ClusterConf, DeviceRef
from cluster.fenced.plan import DeviceEntry, FenceDevice, FencePlan, FenceSettings, Method, NodeFencing


def _entry(ref: DeviceRef) -> DeviceEntry:
    return DeviceEntry(ref.name, tuple(ref.attrs))


def plan_from_config(conf: ClusterConf, agent_timeout: float = 60.0, retry_max: float = 60.0) -> FencePlan:
    nodes = tuple(
        NodeFencing(
            node.nodeid,
            node.name,
            tuple(Method(m.name, tuple(_entry(d) for d in m.devices)) for m in node.methods),
            tuple(_entry(d) for d in node.unfence),
        )
        for node in conf.nodes
    )
    devices = tuple(FenceDevice(d.name, d.agent, tuple(d.attrs)) for d in conf.fencedevices)
    fd = conf.fence_daemon
    settings = FenceSettings(
        post_join_delay=float(fd.post_join_delay),
        post_fail_delay=float(fd.post_fail_delay),
        override_time=float(fd.override_time),
        clean_start=bool(fd.clean_start),
        agent_timeout=agent_timeout,
        retry_max=retry_max,
    )
    return FencePlan(nodes, devices, settings)
