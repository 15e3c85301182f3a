"""A cluster.conf as a Pacemaker cluster: corosync.conf, cluster properties, stonith resources, fencing
topology, groups and constraints, and the files each node needs (LSB scripts), in one :class:`PacemakerPlan`.

Pure but for one thing: the <rm> section is read through rgmanager's resource rules, which come from the
agents' own meta-data. Pass ``rules`` (a :class:`cluster.rm.conf_build.RuleSource`) for a call that runs
nothing; without it the installed agents' meta-data is read (cluster.rm.agent_dir), as ccs_config_validate
does. What Pacemaker cannot express raises :class:`TranslateError`, one line with file:line, before
anything starts; what changes meaning slightly is said in ``warnings``. `harness.pacemaker.cib` turns the
plan into a CIB file with the real tools.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from cluster.config.model import ClusterConf
from cluster.rm.conf_build import RuleSource, build_rm
from cluster.rm.conf_model import RmConfig
from harness.agent_names import default_installed_name

from .cib_xml import Ids, nvset, text, xml_id
from .corosync_conf import corosync_conf
from .errors import TranslateError, where
from .fence_agents_table import known_agents
from .services import ServicePlan, services_plan, vm_elements
from .stonith import fencing_plan

RECHECK_INTERVAL = "30s"  # failure-timeout and time-based rules are looked at this often (default 15 min)

__all__ = ["PacemakerPlan", "TranslateError", "translate"]


@dataclass(frozen=True)
class PacemakerPlan:
    cluster_name: str
    corosync_conf: str  # the whole corosync.conf text (same for every node)
    properties: dict[str, str]  # crm_config
    resources: list[str]  # XML text of each top-level element for `cibadmin --create -o resources`
    constraints: list[str]  # XML text for `-o constraints`
    topology: list[str]  # XML text of each <fencing-level> for `-o fencing-topology`
    node_files: dict[str, str]  # absolute path inside every node -> host path to place there
    warnings: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)  # XML text of each <node> for `-o nodes` (utilization)


def _rm(conf: ClusterConf, rules: RuleSource | None) -> RmConfig:
    if conf.rm is None or not conf.rm.children:
        return RmConfig()
    vm_elements(conf)
    if rules is None:
        from cluster.rm.agent_dir import AgentLibrary  # runs the agents' meta-data: the one I/O here

        rules = AgentLibrary()
    rm, problems = build_rm(conf.rm, rules, conf.source, {n.name for n in conf.nodes})
    if problems:
        raise TranslateError(str(problems[0]))
    return rm


def translate(
    conf: ClusterConf,
    endpoints: Mapping[str, tuple[str, int]] | None,
    addresses: Mapping[str, str],
    agent_names: Mapping[str, str] | None = None,
    dc_deadtime: str = "2s",
    *,
    rules: RuleSource | None = None,
) -> PacemakerPlan:
    """The Pacemaker cluster for ``conf``.

    endpoints: fencedevice name -> (address, port) where its emulator answers; ``None`` keeps the conf's
    own addresses (a real cluster). addresses: node name -> ring0 address. agent_names: our agent name ->
    the name it is installed under (default: install-agents' rule, stock names kept aside)."""
    warnings: list[str] = []
    names = (
        dict(agent_names)
        if agent_names is not None
        else {a: default_installed_name(a) for a in known_agents()}
    )
    ids = Ids()
    corosync = corosync_conf(conf, addresses, warnings)
    fencing = fencing_plan(conf, endpoints, names, ids, warnings)
    rm = _rm(conf, rules)
    services = services_plan(conf, rm, ids, warnings) if rm.services else ServicePlan()
    delay = conf.fence_daemon.post_fail_delay
    if delay:
        warnings.append(
            f"{where(conf.source, conf.fence_daemon.line)}: post_fail_delay={delay} becomes "
            f"pcmk_delay_base={delay}s "
            "on every fence device (a delay before each fencing, not a window in which the node may rejoin)"
        )
    properties = {
        "stonith-enabled": "true",
        "no-quorum-policy": "stop",
        "dc-deadtime": dc_deadtime,
        "cluster-recheck-interval": RECHECK_INTERVAL,
        "cluster-name": conf.name,
    }
    if conf.fence_daemon.clean_start:
        properties["startup-fencing"] = "false"
    nodes = []
    if services.node_capacity:  # exclusive services: placement by utilization (see services.finish)
        properties["placement-strategy"] = "utilization"
        nodes = [_node_entry(n.nodeid, n.name, services.node_capacity) for n in conf.nodes]
    if fencing.stonith_timeout:
        properties["stonith-timeout"] = f"{fencing.stonith_timeout}s"
    return PacemakerPlan(
        cluster_name=conf.name,
        corosync_conf=corosync,
        properties=properties,
        resources=fencing.resources(delay) + services.resources,
        constraints=services.constraints,
        topology=[text(level) for level in fencing.levels],
        node_files=services.node_files,
        warnings=warnings,
        nodes=nodes,
    )


def _node_entry(nodeid: int, name: str, capacity: Mapping[str, str]) -> str:
    """A CIB node (id = corosync nodeid, as Pacemaker names it) offering ``capacity``."""
    el = etree.Element("node", id=str(nodeid), uname=name)
    nvset(el, "utilization", xml_id("node", name), capacity)
    return text(el)
