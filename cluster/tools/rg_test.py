"""rg_test: try a cluster.conf's resource trees without a cluster (rgmanager.md §6).

    rg_test [AGENTDIR] test CONF [start|stop|status TYPE NAME]   run the real agents as processes
    rg_test [AGENTDIR] noop CONF [start|stop|status TYPE NAME]   print the plan, run nothing
    rg_test [AGENTDIR] rules                                     every resource type the agents define

``test``/``noop`` without an action dump the rules in use, the resources, the trees and the domains.
Unlike rgmanager's rg_test every agent call has a deadline: the metadata timeout, else 60 s.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from cluster.config import ConfigError, load_xml
from cluster.config.tree import ConfElement
from cluster.rm.agent_dir import AgentLibrary, default_agent_dirs
from cluster.rm.conf_build import build_rm
from cluster.rm.conf_model import RmConfig, TreeNode
from cluster.rm.ocf import code_text, invocation, op_succeeded
from cluster.rm.ocf_exec import run_operation
from cluster.rm.rules import ResourceRule
from cluster.rm.tree import Step, start_order, start_plan, stop_plan

from ._cli import EXIT_FAIL, EXIT_OK, UsageError, run_tool

PROG = "rg_test"
COMMANDS = ("test", "noop", "rules")
ACTIONS = {"start": ("Starting", "Start of {} complete", "Failed to start {}"),
           "stop": ("Stopping", "Stop of {} complete", "Failed to stop {}"),
           "status": ("Checking status of", "Status of {} is good", "Status check of {} failed")}  # fmt: skip
USAGE = (
    "usage: rg_test [agentdir] test|noop <conf> [start|stop|status <type> <name>] | rg_test [agentdir] rules"
)


def _load(path: str, library: AgentLibrary) -> tuple[RmConfig, ConfElement]:
    root = load_xml(path)
    nodes_el = root.find("clusternodes")
    names = {n.attrs.get("name", "") for n in nodes_el.findall("clusternode")} if nodes_el else set()
    conf, problems = build_rm(root.find("rm"), library, path, names)
    for problem in problems:  # rgmanager drops what is wrong and goes on: so do we, loudly
        print(f"Warning: {problem}", file=sys.stderr)
    return conf, root


def _find(conf: RmConfig, type_: str, name: str) -> TreeNode | None:
    for service in conf.services:
        for node in start_order(service.root):
            if node.type == type_ and node.resource.primary == name:
                return node
    return None


def _status_plan(node: TreeNode) -> list[Step]:
    """Every resource's deepest status check (rg_test asks now, whatever the intervals)."""
    steps = []
    for resource in start_order(node):
        op = resource.resource.rule.status_op
        depths = [a.depth or 0 for a in resource.actions if a.name == op]
        if op is not None and depths:
            steps.append(Step(resource, op, max(depths)))
    return steps


def _run_step(step: Step, ever_started: set[str]) -> bool:
    node = step.node
    call = invocation(node, step.op, step.depth, enforce=True)  # a tool must end: always a deadline
    result = run_operation(call.path, call.op, call.env, call.timeout)
    for text in (result.stdout, result.stderr):
        if text:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    ok = op_succeeded(step.op, result.rc, node.ident in ever_started)
    if step.op == "start":
        ever_started.add(node.ident)
    if not ok:
        what = f'{step.op} on {node.type} "{node.resource.primary}"'
        why = code_text(result.rc) if result.rc is not None else result.detail  # killed, or could not run
        print(f"{what} returned {result.rc} ({why})")
    return ok


def _act(conf: RmConfig, action: str, type_: str, name: str, noop: bool) -> int:
    node = _find(conf, type_, name)
    if node is None:
        print(f"No resource {name} of type {type_} found")
        return EXIT_FAIL
    plan = {"start": start_plan, "stop": stop_plan, "status": _status_plan}[action](node)
    if noop:
        for step in plan:
            print(step.label)
        return EXIT_OK
    doing, done, failed = ACTIONS[action]
    print(f"{doing} {name}...")
    ok, started = True, set[str]()
    for step in plan:
        if not _run_step(step, started):
            ok = False
            if action != "stop":
                break  # start and status stop at the first failure; stop goes on
    print(done.format(name) if ok else failed.format(name))
    return EXIT_OK if ok else EXIT_FAIL


def _rule_lines(rule: ResourceRule) -> list[str]:
    lines = [
        f'Resource Rules for "{rule.type}" (agent {rule.agent_path or "?"}, maxinstances {rule.maxinstances})'
    ]
    for p in rule.params:
        flags = [f for f, on in (("primary", p.primary), ("unique", p.unique), ("required", p.required),
                                 ("reconfig", p.reconfig)) if on]  # fmt: skip
        extra = ([f"inherit={p.inherit}"] if p.inherit else []) + (
            [f"default={p.default!r}"] if p.default else []
        )
        lines.append(f"  parameter {p.name} [{' '.join(flags + extra)}]".replace(" []", ""))
    for a in rule.actions:
        lines.append(f"  action {a.name} timeout={a.timeout} interval={a.interval} depth={a.depth}")
    for c in rule.children:
        lines.append(f"  child {c.type} start={c.start} stop={c.stop}" + (" forbid" if c.forbid else ""))
    return lines


def _tree_lines(node: TreeNode, depth: int = 0) -> list[str]:
    pad = "  " * depth
    lines = [f"{pad}{node.type} {{"]
    for key, value in node.attrs.items():
        lines.append(f'{pad}  {key} = "{value}";')
    for child in node.children:
        lines += _tree_lines(child, depth + 1)
    lines.append(f"{pad}}}")
    return lines


def _dump(conf: RmConfig) -> int:
    used = {n.resource.rule.type: n.resource.rule for s in conf.services for n in start_order(s.root)}
    used.update({r.type: r.rule for r in conf.resources})
    print("=== Resource XML Rules ===")
    for type_ in sorted(used):
        print("\n".join(_rule_lines(used[type_])))
    print("=== Resources List ===")
    for res in conf.resources:
        attrs = " ".join(f'{k}="{v}"' for k, v in res.attrs.items())
        print(f"Resource type: {res.type} [{'global' if res.global_ else 'inline'}] {attrs}")
    print("=== Resource Tree ===")
    for service in conf.services:
        print("\n".join(_tree_lines(service.root)))
    print("=== Failover Domains ===")
    for d in conf.domains:
        flags = ",".join(f for f, on in (("ordered", d.ordered), ("restricted", d.restricted),
                                         ("nofailback", d.nofailback)) if on) or "none"  # fmt: skip
        print(f"Failover domain: {d.name} (flags: {flags})")
        for n in d.nodes:
            print(f"  Node {n.name} (priority {n.priority})")
    print("=== Event Triggers ===")
    print("(none: central_processing is not supported)" if conf.central_processing else "(none)")
    return EXIT_OK


def _body(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return EXIT_OK if argv else EXIT_FAIL
    dirs = default_agent_dirs()
    if argv[0] not in COMMANDS:
        if not Path(argv[0]).is_dir():
            raise UsageError(f"unknown command or agent directory: {argv[0]}")
        dirs = [Path(argv[0]), *dirs]
        argv = argv[1:]
    if not argv or argv[0] not in COMMANDS:
        raise UsageError("expected test, noop or rules")
    library = AgentLibrary(dirs)
    command, rest = argv[0], argv[1:]
    if command == "rules":
        for rule in library.all_rules():
            print("\n".join(_rule_lines(rule)))
        return EXIT_OK
    if not rest:
        raise UsageError(f"{command} needs a cluster.conf")
    conf, _ = _load(rest[0], library)
    if len(rest) == 1:
        return _dump(conf)
    if len(rest) != 4 or rest[1] not in ACTIONS:
        raise UsageError(f"expected {command} <conf> start|stop|status <type> <name>")
    return _act(conf, rest[1], rest[2], rest[3], noop=command == "noop")


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["ConfigError", "main"]
