"""ccs_config_validate's checks of <rm>: what rgmanager would drop or refuse, each with file and line.

ccs_config_validate hands :func:`rm_problems` to :func:`cluster.config.validate.validate_tree`; daemons and
the other tools load without it (load_cluster_conf). Resource types come from the
agents' own metadata through :class:`AgentLibrary`, so only agents the configuration names are run.
"""

from __future__ import annotations

from cluster.config.errors import Problem
from cluster.config.model import ClusterConf
from cluster.config.tree import ConfElement

from .agent_dir import AgentLibrary
from .conf_build import RuleSource, build_rm
from .conf_model import RmConfig


def rm_config(conf: ClusterConf, rules: RuleSource | None = None) -> tuple[RmConfig, list[Problem]]:
    """The <rm> model of a loaded cluster.conf, and its problems."""
    library = rules if rules is not None else AgentLibrary()
    return build_rm(conf.rm, library, conf.source, {n.name for n in conf.nodes})


def rm_problems(conf: ClusterConf, rules: RuleSource | None = None) -> list[Problem]:
    return _problems(conf.rm, conf.source, {n.name for n in conf.nodes}, rules)


def rm_problems_in_tree(root: ConfElement, source: str, rules: RuleSource | None = None) -> list[Problem]:
    """The same checks on a raw tree (one libxml2 recovered from a malformed file, say)."""
    nodes_el = root.find("clusternodes")
    names = {n.attrs.get("name", "") for n in nodes_el.findall("clusternode")} if nodes_el else set()
    return _problems(root.find("rm"), source, names, rules)


def _problems(
    rm: ConfElement | None, source: str, node_names: set[str], rules: RuleSource | None
) -> list[Problem]:
    if rm is None or not rm.children:
        return []
    library = rules if rules is not None else AgentLibrary()
    problems = build_rm(rm, library, source, node_names)[1]
    if isinstance(library, AgentLibrary):
        problems += [Problem(source, rm.line, "rm", text) for text in library.problems]
        if any(p.message.startswith("unknown resource type") for p in problems):
            dirs = ", ".join(str(d) for d in library.dirs)
            message = f"resource agents were looked up in {dirs} (set $FENCELAB_RM_AGENT_DIRS to change)"
            problems.append(Problem(source, rm.line, "rm", message))
    return problems
