"""Build the <rm> model from the configuration tree and the resource rules, collecting every problem.

Pure: the rules come from a :class:`RuleSource` (the agent library in production, fixtures in tests).
What rgmanager would drop (missing primary or required attribute, unknown type, dangling ref=) is dropped
here too, and reported as a :class:`Problem` with file and line, so ccs_config_validate can list them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from cluster.config.errors import Problem
from cluster.config.tree import ConfElement

from .conf_domains import build_domains
from .conf_model import (
    DEFAULT_STATUS_CHILD_MAX,
    DEFAULT_STATUS_POLL_INTERVAL,
    DEFAULT_TRANSITION_THROTTLING,
    Independence,
    Recovery,
    Resource,
    RmConfig,
    Service,
    TreeNode,
)
from .rules import DEPTH_ANY, ActionRule, ResourceRule
from .values import atoi_flag, c_atoi, expand_time, yes_flag

CHILD_ATTRS = (
    "__independent_subtree",
    "__enforce_timeouts",
    "__max_failures",
    "__failure_expire_time",
    "__max_restarts",
    "__restart_expire_time",
)
SECTIONS = ("failoverdomains", "resources", "resource-defaults", "events")


class RuleSource(Protocol):
    def rule(self, type_: str) -> ResourceRule | None: ...

    def known_types(self) -> list[str]: ...


@dataclass
class StaticRules:
    """Rules given up front (tests, rg_test with parsed fixtures)."""

    rules: Mapping[str, ResourceRule]

    def rule(self, type_: str) -> ResourceRule | None:
        return self.rules.get(type_)

    def known_types(self) -> list[str]:
        return sorted(self.rules)


def closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _hint(word: str, choices: list[str]) -> str:
    near = closest(word, choices)
    return f' (did you mean "{near}"?)' if near else ""


@dataclass
class _Builder:
    rules: RuleSource
    source: str
    problems: list[Problem] = field(default_factory=list)
    globals_: dict[tuple[str, str], Resource] = field(default_factory=dict)
    inline: dict[tuple[str, str], Resource] = field(default_factory=dict)
    defined: list[Resource] = field(default_factory=list)
    refcount: dict[str, int] = field(default_factory=dict)
    defaults: dict[str, dict[str, str]] = field(default_factory=dict)

    def problem(self, el: ConfElement, message: str) -> None:
        self.problems.append(Problem(self.source, el.line, el.tag, message))

    # -- definitions --------------------------------------------------------------------------
    def rule_for(self, el: ConfElement) -> ResourceRule | None:
        rule = self.rules.rule(el.tag)
        if rule is None:
            hint = _hint(el.tag, self.rules.known_types())
            self.problem(el, f'unknown resource type "{el.tag}"{hint}')
        return rule

    def check_attrs(self, el: ConfElement, rule: ResourceRule, reference: bool) -> None:
        names = [p.name for p in rule.params]
        for attr in el.attrs:
            if attr in CHILD_ATTRS or (attr == "ref" and reference) or rule.param(attr):
                continue
            self.problem(
                el, f'unknown attribute "{attr}" for {rule.type}{_hint(attr, names + list(CHILD_ATTRS))}'
            )

    def define(self, el: ConfElement, rule: ResourceRule, global_: bool) -> Resource | None:
        self.check_attrs(el, rule, reference=False)
        attrs = {k: v for k, v in el.attrs.items() if k not in CHILD_ATTRS}
        primary = attrs.get(rule.primary, "")
        if not primary:
            self.problem(el, f'missing primary attribute "{rule.primary}": {rule.type} resource ignored')
            return None
        missing = [p.name for p in rule.params if p.required and not attrs.get(p.name)]
        if missing:
            self.problem(el, f'{rule.type}:{primary}: missing required attribute "{missing[0]}": ignored')
            return None
        resource = Resource(rule.type, primary, attrs, rule, global_, el.line)
        self.defined.append(resource)
        return resource

    def check_collisions(self, elements: dict[int, ConfElement]) -> None:
        seen: dict[tuple[str, str, str], Resource] = {}
        for res in self.defined:
            for param in res.rule.params:
                value = res.attrs.get(param.name)
                if not value or not (param.primary or param.unique):
                    continue
                key = (res.type, param.name, value)
                first = seen.setdefault(key, res)
                if first is not res:
                    kind = "Primary" if param.primary else "Unique"
                    where = f" (line {first.line})" if first.line else ""
                    el = elements[id(res)]
                    message = (
                        f'{kind} attribute collision: {res.type} {param.name}="{value}" '
                        f"is already used by {first.ident}{where}"
                    )
                    self.problem(el, message)

    # -- trees ---------------------------------------------------------------------------------
    def node(
        self, el: ConfElement, chain: list[TreeNode], elements: dict[int, ConfElement]
    ) -> TreeNode | None:
        if chain:
            parent_child = chain[-1].resource.rule.child(el.tag)
            if parent_child and parent_child.forbid:
                self.problem(el, f"{el.tag} is not allowed inside {chain[-1].type}")
                return None
        rule = self.rule_for(el)
        if rule is None:
            return None
        resource: Resource | None
        actions_from = [el]
        if "ref" in el.attrs:
            self.check_attrs(el, rule, reference=True)
            key = (rule.type, el.attrs["ref"])
            resource = self.globals_.get(key)
            if resource is None:
                if key in self.inline:
                    self.problem(
                        el, f'ref="{key[1]}" names an inline {rule.type}; only <resources> can be referenced'
                    )
                else:
                    self.problem(el, f'Reference to nonexistent resource {rule.type}:"{key[1]}"')
                return None
            actions_from.insert(0, elements[id(resource)])
        else:
            resource = self.define(el, rule, global_=False)
            if resource is None:
                return None
            elements[id(resource)] = el
            self.inline.setdefault((resource.type, resource.primary), resource)
        count = self.refcount.get(resource.ident, 0) + 1
        if rule.maxinstances and count > rule.maxinstances:
            self.problem(
                el, f"Warning: Max references exceeded for {resource.ident} (max {rule.maxinstances})"
            )
            return None
        self.refcount[resource.ident] = count
        node = TreeNode(
            resource,
            self.effective_attrs(resource, chain),
            self.actions(rule, actions_from),
            line=el.line,
        )
        _set_child_attrs(node, el)
        for child_el in el.children:
            if child_el.tag == "action":
                continue
            child = self.node(child_el, [*chain, node], elements)
            if child is not None:
                node.children.append(child)
        return node

    def effective_attrs(self, resource: Resource, chain: list[TreeNode]) -> dict[str, str]:
        attrs: dict[str, str] = {}
        rule = resource.rule
        overrides = self.defaults.get(rule.type, {})
        for param in rule.params:
            if param.default is not None:
                attrs[param.name] = param.default
            if param.name in overrides and not (param.primary or param.unique):
                attrs[param.name] = overrides[param.name]
            if param.inherit and chain:
                value = _inherited(param.inherit, chain)
                if value is not None:
                    attrs[param.name] = value
        attrs.update(resource.attrs)
        return attrs

    def actions(self, rule: ResourceRule, elements: list[ConfElement]) -> tuple[ActionRule, ...]:
        actions = list(rule.actions)
        for el in elements:
            for override in el.findall("action"):
                name = override.get("name")
                if not name:
                    self.problem(override, "<action> without a name")
                    continue
                actions = _apply_override(actions, override)
        return tuple(actions)


def _set_child_attrs(node: TreeNode, el: ConfElement) -> None:
    """The __* attributes an occurrence carries for its place in the tree (restree.c)."""
    raw = el.attrs.get("__independent_subtree", "")
    if raw in ("2", "non-critical"):
        node.independent = Independence.NON_CRITICAL
    elif yes_flag(raw):
        node.independent = Independence.INDEPENDENT
    node.enforce_timeouts = yes_flag(el.get("__enforce_timeouts"))
    node.max_failures = c_atoi(el.get("__max_failures"))
    node.failure_expire_time = expand_time(el.get("__failure_expire_time"))
    node.max_restarts = c_atoi(el.get("__max_restarts"))
    node.restart_expire_time = expand_time(el.get("__restart_expire_time"))


def _inherited(spec: str, chain: list[TreeNode]) -> str | None:
    if "%" in spec:
        type_, attr = spec.split("%", 1)
        for ancestor in reversed(chain):
            if ancestor.type == type_:
                return ancestor.attrs.get(attr)
        return None
    return chain[-1].attrs.get(spec)


def _apply_override(actions: list[ActionRule], el: ConfElement) -> list[ActionRule]:
    name = el.attrs.get("name", "")
    raw_depth = el.get("depth")
    depth = DEPTH_ANY if raw_depth == "*" else (c_atoi(raw_depth) if raw_depth is not None else None)
    changes: dict[str, int] = {}
    if el.get("interval") is not None:
        changes["interval"] = expand_time(el.get("interval"))
    if el.get("timeout") is not None:
        changes["timeout"] = expand_time(el.get("timeout"))

    def matches(action: ActionRule) -> bool:
        return action.name == name and (depth in (None, DEPTH_ANY) or (action.depth or 0) == depth)

    if any(matches(a) for a in actions):
        return [replace(a, **changes) if matches(a) else a for a in actions]  # type: ignore[arg-type]
    return [*actions, ActionRule(name, changes.get("timeout"), changes.get("interval"), depth or 0)]


def _service(node: TreeNode, builder: _Builder, el: ConfElement) -> Service:
    attrs = node.attrs
    recovery_text = attrs.get("recovery", "restart") or "restart"
    try:
        recovery = Recovery(recovery_text)
    except ValueError:
        choices = [r.value for r in Recovery]
        builder.problem(el, f'recovery="{recovery_text}" is not one of {", ".join(choices)}; using restart')
        recovery = Recovery.RESTART
    depend = attrs.get("depend") or None
    if depend and ":" not in depend:
        depend = f"service:{depend}"
    return Service(
        name=node.resource.primary,
        root=node,
        domain=attrs.get("domain") or None,
        autostart=atoi_flag(attrs.get("autostart", "1")),
        exclusive=yes_flag(attrs.get("exclusive")),
        recovery=recovery,
        max_restarts=c_atoi(attrs.get("max_restarts")),
        restart_expire_time=expand_time(attrs.get("restart_expire_time")),
        depend=depend,
        depend_mode=attrs.get("depend_mode", "hard") or "hard",
        priority=c_atoi(attrs.get("priority")),
        line=el.line,
    )


def build_rm(
    rm: ConfElement | None, rules: RuleSource, source: str, node_names: set[str] | None = None
) -> tuple[RmConfig, list[Problem]]:
    """The model and every problem found on the way (rgmanager's drops included)."""
    if rm is None:
        return RmConfig(), []
    builder = _Builder(rules, source)
    domains = build_domains(rm.find("failoverdomains"), source, node_names, builder.problems)
    for section in rm.findall("resource-defaults"):
        for el in section.children:
            if builder.rule_for(el) is not None:
                builder.defaults.setdefault(el.tag, {}).update(el.attrs)
    elements: dict[int, ConfElement] = {}
    for section in rm.findall("resources"):
        for el in section.children:
            rule = builder.rule_for(el)
            resource = builder.define(el, rule, global_=True) if rule else None
            if resource is not None:
                elements[id(resource)] = el
                builder.globals_.setdefault((resource.type, resource.primary), resource)
    services: list[Service] = []
    for el in rm.children:
        if el.tag in SECTIONS:
            continue
        node = builder.node(el, [], elements)
        if node is not None:
            services.append(_service(node, builder, el))
    builder.check_collisions(elements)
    names = {d.name for d in domains}
    full_names = {s.full_name for s in services}
    for service in services:
        if service.domain and service.domain not in names:
            hint = _hint(service.domain, sorted(names))
            message = f'service "{service.name}" names undefined failover domain "{service.domain}"{hint}'
            builder.problems.append(Problem(source, service.line, service.root.type, message))
        if service.depend and service.depend not in full_names:
            message = f'service "{service.name}" depends on {service.depend}, which is not defined'
            builder.problems.append(Problem(source, service.line, service.root.type, message))
    conf = RmConfig(
        domains=tuple(domains),
        resources=tuple(r for r in builder.defined if r.global_),
        services=tuple(services),
        status_poll_interval=c_atoi(rm.get("status_poll_interval")) or DEFAULT_STATUS_POLL_INTERVAL,
        status_child_max=c_atoi(rm.get("status_child_max")) or DEFAULT_STATUS_CHILD_MAX,
        transition_throttling=c_atoi(rm.get("transition_throttling")) or DEFAULT_TRANSITION_THROTTLING,
        central_processing=yes_flag(rm.get("central_processing")),
        disabled=atoi_flag(rm.get("disabled")),
        line=rm.line,
    )
    builder.problems.sort(key=lambda p: p.line or 0)
    return conf, builder.problems
