"""cluster.conf services (<rm>) -> Pacemaker groups and constraints. Pure: the built <rm> model in.

A service becomes a group whose members follow rgmanager's start order (parent before children, children
by the parent's start levels: fs before ip before script); its failover domain becomes location
constraints, its recovery policy meta attributes (rgmanager.md section 8 is the table), exclusive="1"
utilization (see ``finish``). The scores:
a domain member gets 1000 - priority in an ordered domain (priority 1 best) and 1000 in an unordered one,
a node outside a restricted domain -INFINITY, any other node 0, so a service leaves its domain only when
no member can run it. Stickiness decides failback: 0 in an ordered domain (the best node pulls the service
back, as rgmanager relocates to a better node), else just enough to keep a running service where it is
among equals (nofailback: more than the spread of the domain's scores, less than a member's score, so a
service outside the domain still moves in when a member returns, as rgmanager does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from cluster.config.model import ClusterConf
from cluster.rm.conf_model import FailoverDomain, Independence, Recovery, RmConfig, Service, TreeNode
from cluster.rm.tree import start_order, stop_order
from cluster.rm.values import yes_flag

from .cib_xml import Ids, nvset, primitive, text, xml_id
from .errors import TranslateError, where

MEMBER_SCORE = 1000
UTILIZATION = "services"  # the utilization attribute that carries rgmanager's exclusive=
MIN_MONITOR_TIMEOUT = 20  # seconds: the heartbeat agents' own advice for IPaddr2/Filesystem monitors


@dataclass
class ServicePlan:
    resources: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    node_files: dict[str, str] = field(default_factory=dict)
    node_capacity: dict[str, str] = field(default_factory=dict)  # utilization every node offers


def _secs(value: int) -> str:
    return f"{value}s"


def _ops(node: TreeNode, on_fail: str | None, stop_on_fail: str) -> list[dict[str, str]]:
    """start/stop timeouts and the depth-0 status check of the rgmanager resource, as Pacemaker ops."""
    ops: list[dict[str, str]] = []
    start = node.timeout("start")
    if start:
        ops.append({"name": "start", "interval": "0s", "timeout": _secs(start)})
    stop: dict[str, str] = {"name": "stop", "interval": "0s", "on-fail": stop_on_fail}
    if node.timeout("stop"):
        stop["timeout"] = _secs(node.timeout("stop") or 0)
    ops.append(stop)
    status = node.resource.rule.status_op
    checks = [a for a in node.actions if a.name == status and (a.depth or 0) == 0 and a.interval]
    interval = checks[0].interval if checks else 30
    timeout = max(checks[0].timeout or 0, MIN_MONITOR_TIMEOUT) if checks else MIN_MONITOR_TIMEOUT
    monitor = {"name": "monitor", "interval": _secs(interval or 30), "timeout": _secs(timeout)}
    if on_fail:
        monitor["on-fail"] = on_fail
    ops.append(monitor)
    return ops


class _Services:
    def __init__(self, conf: ClusterConf, rm: RmConfig, ids: Ids, warnings: list[str]) -> None:
        self.conf = conf
        self.rm = rm
        self.ids = ids
        self.warnings = warnings
        self.plan = ServicePlan()
        self.scripts: dict[str, str] = {}  # init.d name -> host file
        self.translated: dict[str, str] = {}  # service full name -> group id
        self.groups: list[tuple[etree._Element, bool]] = []  # each group, and whether it is exclusive

    def finish(self) -> None:
        """exclusive="1" as utilization: every node offers one slot per service, an ordinary service takes
        one, an exclusive one takes them all, so it starts only where nothing runs and nothing joins it."""
        slots = str(len(self.groups))
        if any(exclusive for _, exclusive in self.groups):
            self.plan.node_capacity = {UTILIZATION: slots}
            for group, exclusive in self.groups:
                first = group.find("primitive")
                assert first is not None
                holder = etree.Element("holder")
                nvset(holder, "utilization", first.get("id", ""), {UTILIZATION: slots if exclusive else "1"})
                operations = first.find("operations")
                at = list(first).index(operations) if operations is not None else len(first)
                first.insert(at, holder[0])
        self.plan.resources += [text(group) for group, _ in self.groups]

    def at(self, line: int | None) -> str:
        return where(self.conf.source, line)

    # -- members -----------------------------------------------------------------------------------
    def member(self, service: Service, node: TreeNode, on_fail: str | None) -> etree._Element:
        rid = self.ids.claim(
            xml_id(service.name, node.type, node.resource.primary), f"{node.ident} of {service.name}"
        )
        attrs = node.attrs
        stop_on_fail = "block"  # rgmanager: a failed stop leaves the service failed, for a person to clear
        if node.type == "ip":
            address, _, prefix = attrs["address"].partition("/")
            params = {"ip": address, "cidr_netmask": prefix or ("64" if ":" in address else "24")}
            el = primitive(
                rid, "ocf", "IPaddr2", params, ops=_ops(node, on_fail, stop_on_fail), provider="heartbeat"
            )
        elif node.type == "fs":
            if not attrs.get("fstype"):
                raise TranslateError(
                    f"{self.at(node.line)}: fs {node.resource.primary}: no fstype: ocf:heartbeat:Filesystem "
                    "needs one (rgmanager's fs.sh found it on the device)"
                )
            params = {"device": attrs["device"], "directory": attrs["mountpoint"], "fstype": attrs["fstype"]}
            if attrs.get("options"):
                params["options"] = attrs["options"]
            params["force_unmount"] = "true" if yes_flag(attrs.get("force_unmount")) else "false"
            if yes_flag(attrs.get("force_fsck")):
                params["run_fsck"] = "force"
            if yes_flag(attrs.get("self_fence")):
                stop_on_fail = "fence"  # fs.sh reboots the node when the unmount fails
            el = primitive(
                rid, "ocf", "Filesystem", params, ops=_ops(node, on_fail, stop_on_fail), provider="heartbeat"
            )
        elif node.type == "script":
            name = self.script(node)
            el = primitive(rid, "lsb", name, {}, ops=_ops(node, on_fail, stop_on_fail))
        else:
            el = self.ocf_agent(rid, node, on_fail, stop_on_fail)
        return el

    def script(self, node: TreeNode) -> str:
        file = node.attrs["file"]
        name = PurePosixPath(file).name
        known = self.scripts.setdefault(name, file)
        if known != file:
            raise TranslateError(
                f"{self.at(node.line)}: script {node.resource.primary}: {file} and {known} would both be "
                f"/etc/init.d/{name} (lsb:{name}): rename one"
            )
        self.plan.node_files[f"/etc/init.d/{name}"] = file
        return name

    def ocf_agent(self, rid: str, node: TreeNode, on_fail: str | None, stop_on_fail: str) -> etree._Element:
        rule = node.resource.rule
        path = PurePosixPath(rule.agent_path) if rule.agent_path else None
        if path is None or path.parent.parent.name != "resource.d":
            raise TranslateError(
                f"{self.at(node.line)}: <{node.type}>: no Pacemaker agent for this resource type "
                "(not an OCF agent under /usr/lib/ocf/resource.d)"
            )
        params = {k: v for k, v in node.resource.attrs.items() if not (k == "name" and rule.implicit_primary)}
        ops = _ops(node, on_fail, stop_on_fail)
        return primitive(rid, "ocf", path.name, params, ops=ops, provider=path.parent.name)

    # -- a service ---------------------------------------------------------------------------------
    def refuse_unsupported(self, service: Service) -> None:
        if service.root.type != "service":
            raise TranslateError(
                f"{self.at(service.line)}: <{service.root.type}> {service.name}: only <service> translates "
                "(Pacemaker runs virtual machines through ocf:heartbeat:VirtualDomain, written by hand)"
            )
        for node in service.root.walk():
            if node.independent is not Independence.NONE:
                raise TranslateError(
                    f"{self.at(node.line)}: {node.ident} of service {service.name}: __independent_subtree: a "
                    "Pacemaker group restarts the failed member and every member after it"
                )
            if node.max_failures or node.failure_expire_time:
                self.warnings.append(
                    f"{self.at(node.line)}: {node.ident}: __max_failures/__failure_expire_time dropped: "
                    "Pacemaker recovers on the first failed monitor"
                )

    def recovery_meta(self, service: Service) -> tuple[dict[str, str], str | None]:
        meta: dict[str, str] = {}
        on_fail = None
        if not service.autostart:
            meta["target-role"] = "Stopped"
        if service.recovery is Recovery.RELOCATE:
            meta["migration-threshold"] = "1"
        elif service.recovery is Recovery.DISABLE:
            on_fail = "stop"
        elif service.max_restarts > 0:
            meta["migration-threshold"] = str(service.max_restarts + 1)
            if service.restart_expire_time > 0:
                meta["failure-timeout"] = _secs(service.restart_expire_time)
            if service.recovery is Recovery.RESTART_DISABLE:
                self.warnings.append(
                    f'{self.at(service.line)}: service {service.name}: recovery="restart-disable": past '
                    f"{service.max_restarts} restarts Pacemaker relocates it instead of disabling it"
                )
        elif service.recovery is Recovery.RESTART_DISABLE:
            on_fail = "stop"  # no restart budget: the first failure disables it
        return meta, on_fail

    def service(self, service: Service) -> None:
        self.refuse_unsupported(service)
        members = list(start_order(service.root))[1:]
        if not members:
            self.warnings.append(
                f"{self.at(service.line)}: service {service.name} has no resources: left out"
            )
            return
        if [m.ident for m in stop_order(service.root)][:-1] != [m.ident for m in reversed(members)]:
            self.warnings.append(
                f"{self.at(service.line)}: service {service.name}: Pacemaker stops a group in "
                "reverse start order, which differs from rgmanager's stop levels here"
            )
        gid = self.ids.claim(xml_id(service.name), f"service {service.name}")
        meta, on_fail = self.recovery_meta(service)
        domain = self.rm.domain(service.domain)
        total = self.stickiness(domain)
        meta["resource-stickiness"] = str(math.ceil(total / len(members)))  # a group sums its members'
        group = etree.Element("group", id=gid)
        nvset(group, "meta_attributes", gid, meta)
        for node in members:
            group.append(self.member(service, node, on_fail))
        self.groups.append((group, service.exclusive))
        self.translated[service.full_name] = gid
        if domain is not None:
            self.locations(gid, domain)

    def stickiness(self, domain: FailoverDomain | None) -> int:
        if domain is None or not domain.nodes:
            return 1
        if domain.ordered and not domain.nofailback:
            return 0
        scores = [self.score(domain, n.priority) for n in domain.nodes]
        return max(scores) - min(scores) + 1

    @staticmethod
    def score(domain: FailoverDomain, priority: int) -> int:
        if not domain.ordered:
            return MEMBER_SCORE
        return MEMBER_SCORE - max(priority, 1)  # unprioritised members rank with the best (fo_domain.c)

    def locations(self, gid: str, domain: FailoverDomain) -> None:
        scores = {n.name: str(self.score(domain, n.priority)) for n in domain.nodes}
        if domain.restricted:
            for node in self.conf.nodes:
                scores.setdefault(node.name, "-INFINITY")
            if not domain.nodes:
                self.warnings.append(
                    f"{self.at(domain.line)}: restricted failover domain {domain.name} has no "
                    "nodes: its services never run"
                )
        for node_name, score in scores.items():
            cid = self.ids.claim(xml_id("loc", gid, node_name), f"location of {gid} on {node_name}")
            el = etree.Element("rsc_location", id=cid, rsc=gid, node=node_name, score=score)
            self.plan.constraints.append(text(el))

    def dependencies(self) -> None:
        for service in self.rm.services:
            if not service.depend or service.full_name not in self.translated:
                continue
            first = self.translated.get(service.depend)
            if first is None:
                self.warnings.append(
                    f"{self.at(service.line)}: service {service.name}: depends on {service.depend}, "
                    "which is not translated: dependency dropped"
                )
                continue
            then = self.translated[service.full_name]
            kind = "Optional" if service.depend_mode == "soft" else "Mandatory"
            cid = self.ids.claim(xml_id("order", first, "then", then), f"order {first} then {then}")
            el = etree.Element("rsc_order", id=cid, first=first, then=then, kind=kind)
            self.plan.constraints.append(text(el))


def services_plan(conf: ClusterConf, rm: RmConfig, ids: Ids, warnings: list[str]) -> ServicePlan:
    s = _Services(conf, rm, ids, warnings)
    if rm.central_processing:
        warnings.append(
            f"{where(conf.source, rm.line)}: central_processing: Pacemaker's DC always decides; service "
            "priorities are not translated"
        )
    for service in rm.services:
        s.service(service)
    s.dependencies()
    s.finish()
    return s.plan


def vm_elements(conf: ClusterConf) -> None:
    """<vm> is not a resource type rgmanager's model builds here: refuse it by name, with its line."""
    if conf.rm is None:
        return
    for el in conf.rm.children:
        if el.tag == "vm":
            raise TranslateError(
                f"{where(conf.source, el.line)}: <vm {el.get('name') or ''}>: virtual machines do "
                "not translate (Pacemaker runs them through ocf:heartbeat:VirtualDomain, configured by hand)"
            )
