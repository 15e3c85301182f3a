"""The order of agent calls over a service's resource tree (restree.c, rgmanager.md §5).

Start: a node, then its typed children by the parent's start level (all children of one type together,
in config order), then untyped children in config order. Stop: untyped children in reverse, then typed
children by stop level (same-type siblings in reverse), the node itself last.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .conf_model import Independence, TreeNode


@dataclass(frozen=True)
class Step:
    """One agent call of a plan."""

    node: TreeNode
    op: str  # start | stop | status | monitor
    depth: int = 0

    @property
    def label(self) -> str:
        return f"[{self.op}] {self.node.ident}"


def _typed_groups(node: TreeNode, key: str) -> tuple[list[list[TreeNode]], list[TreeNode]]:
    """Children grouped by level (``start`` or ``stop``) and the untyped rest, both in config order."""
    levels: dict[int, list[TreeNode]] = {}
    untyped: list[TreeNode] = []
    for child in node.children:
        rule = node.resource.rule.child(child.type)
        level = getattr(rule, key) if rule is not None else None
        if level is None or level <= 0:
            untyped.append(child)
        else:
            levels.setdefault(level, []).append(child)
    return [levels[level] for level in sorted(levels)], untyped


def start_order(node: TreeNode) -> Iterator[TreeNode]:
    yield node
    groups, untyped = _typed_groups(node, "start")
    for group in groups:
        for child in group:
            yield from start_order(child)
    for child in untyped:
        yield from start_order(child)


def stop_order(node: TreeNode) -> Iterator[TreeNode]:
    groups, untyped = _typed_groups(node, "stop")
    for child in reversed(untyped):
        yield from stop_order(child)
    for group in groups:
        for child in reversed(group):
            yield from stop_order(child)
    yield node


def start_plan(node: TreeNode) -> list[Step]:
    return [Step(n, "start") for n in start_order(node)]


def stop_plan(node: TreeNode) -> list[Step]:
    return [Step(n, "stop") for n in stop_order(node)]


def status_steps(node: TreeNode, last_run: dict[tuple[str, int], float], now: float) -> list[Step]:
    """Per resource, among status actions whose interval elapsed since their last run, the deepest one.

    ``last_run`` maps (resource ident, depth) to when it last ran (start resets it); updated here.
    """
    steps: list[Step] = []
    for resource in start_order(node):
        op = resource.resource.rule.status_op
        if op is None:
            continue  # no status action: healthy by definition (service.sh)
        due = []
        for action in resource.actions:
            if action.name != op or not action.interval:
                continue
            since = last_run.setdefault((resource.ident, action.depth or 0), now)  # unknown: starts now
            if now - since >= action.interval:
                due.append(action)
        for action in due:
            last_run[(resource.ident, action.depth or 0)] = now
        if due:
            depth = max(a.depth or 0 for a in due)
            steps.append(Step(resource, op, depth))
    return steps


def reset_status_clock(node: TreeNode, last_run: dict[tuple[str, int], float], now: float) -> None:
    for resource in start_order(node):
        for action in resource.actions:
            last_run[(resource.ident, action.depth or 0)] = now


def parents(root: TreeNode) -> dict[int, TreeNode]:
    """id(child) -> parent, for walking up from a failed resource."""
    found: dict[int, TreeNode] = {}
    for node in start_order(root):
        for child in node.children:
            found[id(child)] = node
    return found


def recovery_subtree(root: TreeNode, failed: TreeNode) -> TreeNode | None:
    """The nearest independent subtree holding ``failed`` (itself included), or None: recover the service."""
    up = parents(root)
    node: TreeNode | None = failed
    while node is not None and node is not root:
        if node.independent is not Independence.NONE:
            return node
        node = up.get(id(node))
    return None
