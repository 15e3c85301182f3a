"""The typed model of cluster.conf's <rm> section; every part keeps the line it came from.

Built by :mod:`conf_build` from the loader-agnostic :class:`ConfElement` tree and the resource rules.
A :class:`Resource` is one definition (global under <resources>, or inline); a :class:`TreeNode` is one
place it occupies in a service tree, with its effective attributes (defaults, inheritance) resolved there.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

from .rules import ActionRule, ResourceRule

DEFAULT_STATUS_POLL_INTERVAL = 10
DEFAULT_STATUS_CHILD_MAX = 5
DEFAULT_TRANSITION_THROTTLING = 5


class Recovery(enum.Enum):
    RESTART = "restart"
    RELOCATE = "relocate"
    DISABLE = "disable"
    RESTART_DISABLE = "restart-disable"


class Independence(enum.IntEnum):
    NONE = 0
    INDEPENDENT = 1  # a failure restarts only this subtree
    NON_CRITICAL = 2  # a failure leaves this subtree stopped, the service PARTIAL


@dataclass(frozen=True)
class DomainNode:
    name: str
    priority: int  # 1..100 (1 best) in ordered domains; 0 = unprioritised
    line: int | None = None


@dataclass(frozen=True)
class FailoverDomain:
    name: str
    ordered: bool = False
    restricted: bool = False
    nofailback: bool = False
    nodes: tuple[DomainNode, ...] = ()
    line: int | None = None

    def member(self, name: str) -> DomainNode | None:
        return next((n for n in self.nodes if n.name == name), None)


@dataclass(frozen=True)
class Resource:
    type: str
    primary: str
    attrs: dict[str, str]  # as written (document order), child attributes (__*) excluded
    rule: ResourceRule
    global_: bool
    line: int | None = None

    @property
    def ident(self) -> str:
        return f"{self.type}:{self.primary}"


@dataclass
class TreeNode:
    resource: Resource
    attrs: dict[str, str]  # effective: explicit, inherited, resource-defaults, metadata defaults
    actions: tuple[ActionRule, ...]  # metadata actions with the per-resource <action> overrides applied
    children: list[TreeNode] = field(default_factory=list)
    independent: Independence = Independence.NONE
    enforce_timeouts: bool = False
    max_failures: int = 0
    failure_expire_time: int = 0
    max_restarts: int = 0
    restart_expire_time: int = 0
    line: int | None = None

    @property
    def ident(self) -> str:
        return self.resource.ident

    @property
    def type(self) -> str:
        return self.resource.type

    def walk(self) -> Iterator[TreeNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def timeout(self, op: str, depth: int = 0) -> int | None:
        """The action's timeout at that depth (else its first one); 0 or none: no timeout."""
        named = [a for a in self.actions if a.name == op]
        action = next((a for a in named if (a.depth or 0) == depth), named[0] if named else None)
        return action.timeout if action and action.timeout else None


@dataclass(frozen=True)
class Service:
    name: str
    root: TreeNode
    domain: str | None = None
    autostart: bool = True
    exclusive: bool = False
    recovery: Recovery = Recovery.RESTART
    max_restarts: int = 0
    restart_expire_time: int = 0
    depend: str | None = None  # full name, "service:x"
    depend_mode: str = "hard"
    priority: int = 0
    line: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.root.type}:{self.name}"


@dataclass(frozen=True)
class RmConfig:
    domains: tuple[FailoverDomain, ...] = ()
    resources: tuple[Resource, ...] = ()  # global ones, under <resources>
    services: tuple[Service, ...] = ()
    status_poll_interval: int = DEFAULT_STATUS_POLL_INTERVAL
    status_child_max: int = DEFAULT_STATUS_CHILD_MAX
    transition_throttling: int = DEFAULT_TRANSITION_THROTTLING
    central_processing: bool = False
    disabled: bool = False
    line: int | None = None

    def domain(self, name: str | None) -> FailoverDomain | None:
        return next((d for d in self.domains if d.name == name), None) if name else None

    def service(self, full_name: str) -> Service | None:
        if ":" not in full_name:
            full_name = f"service:{full_name}"
        return next((s for s in self.services if s.full_name == full_name), None)
