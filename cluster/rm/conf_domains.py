"""<failoverdomains> of <rm> (rgmanager's fo_domain.c rules, rgmanager.md §4)."""

from __future__ import annotations

from cluster.config.errors import Problem
from cluster.config.tree import ConfElement

from .conf_model import DomainNode, FailoverDomain
from .values import atoi_flag, c_atoi


def build_domains(
    section: ConfElement | None, source: str, node_names: set[str] | None, problems: list[Problem]
) -> list[FailoverDomain]:
    """Flags are on when atoi() != 0; priority is read only in ordered domains, valid 1..100 else 0;
    a repeated domain (#30) or domain node (#31) is reported and the first one wins."""
    if section is None:
        return []
    domains: list[FailoverDomain] = []
    for el in section.children:
        if el.tag != "failoverdomain":
            problems.append(
                Problem(source, el.line, el.tag, f"<{el.tag}> is not allowed in <failoverdomains>")
            )
            continue
        name = el.get("name") or ""
        if not name:
            problems.append(Problem(source, el.line, el.tag, 'missing required attribute "name"'))
            continue
        if any(d.name == name for d in domains):
            problems.append(
                Problem(source, el.line, el.tag, f'#30: duplicate failover domain "{name}" ignored')
            )
            continue
        ordered = atoi_flag(el.get("ordered"))
        nodes: list[DomainNode] = []
        for node_el in el.findall("failoverdomainnode"):
            node = node_el.get("name") or ""
            where = (source, node_el.line, node_el.tag)
            if not node:
                problems.append(Problem(*where, 'missing required attribute "name"'))
                continue
            if any(n.name == node for n in nodes):
                problems.append(Problem(*where, f'#31: node "{node}" appears twice in domain "{name}"'))
                continue
            if node_names is not None and node not in node_names:
                message = f'failover domain "{name}" names "{node}", which is not a clusternode'
                problems.append(Problem(*where, message))
            priority = c_atoi(node_el.get("priority")) if ordered else 0
            if ordered and not 1 <= priority <= 100:
                if node_el.get("priority") is not None:
                    message = f'priority="{node_el.get("priority")}" is outside 1..100: node unprioritised'
                    problems.append(Problem(*where, message))
                priority = 0
            nodes.append(DomainNode(node, priority, node_el.line))
        domains.append(
            FailoverDomain(
                name,
                ordered=ordered,
                restricted=atoi_flag(el.get("restricted")),
                nofailback=atoi_flag(el.get("nofailback")),
                nodes=tuple(nodes),
                line=el.line,
            )
        )
    return domains
