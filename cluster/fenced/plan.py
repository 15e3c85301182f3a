"""What fenced needs to know about the configuration, and how it turns a device entry into agent stdin.

These small frozen types are fenced's own view of cluster.conf; ``cluster.fenced.from_config`` builds them
from the config model, tests build them directly. Attributes keep document order because fenced writes
them to the agent in that order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

Attrs = tuple[tuple[str, str], ...]

# stdin keys whose values are secrets: never logged, redacted from captured agent output.
SECRET_KEYS = frozenset(
    {
        "passwd",
        "password",
        "snmp_priv_passwd",
        "community",
        "passwd_script",
        "snmp_priv_passwd_script",
    }
)


@dataclass(frozen=True)
class FenceDevice:
    """A ``<fencedevice name= agent= .../>``: ``attrs`` holds every attribute but ``name``, in order."""

    name: str
    agent: str | None
    attrs: Attrs


@dataclass(frozen=True)
class DeviceEntry:
    """A ``<device name=.../>`` inside a method or ``<unfence>``: ``attrs`` excludes ``name``."""

    name: str
    attrs: Attrs


@dataclass(frozen=True)
class Method:
    name: str
    devices: tuple[DeviceEntry, ...]


@dataclass(frozen=True)
class NodeFencing:
    """One ``<clusternode>`` as fenced sees it."""

    nodeid: int
    name: str
    methods: tuple[Method, ...] = ()
    unfence: tuple[DeviceEntry, ...] = ()


@dataclass(frozen=True)
class FenceSettings:
    """``<fence_daemon>`` values (seconds). ``retry_max`` caps the backoff between retry rounds."""

    post_join_delay: float = 6.0
    post_fail_delay: float = 0.0
    override_time: float = 3.0
    clean_start: bool = False
    agent_timeout: float = 60.0
    retry_max: float = 60.0


@dataclass(frozen=True)
class FencePlan:
    """Everything fenced reads from the configuration."""

    nodes: tuple[NodeFencing, ...]
    devices: tuple[FenceDevice, ...]
    settings: FenceSettings = field(default_factory=FenceSettings)

    def node_by_id(self, nodeid: int) -> NodeFencing | None:
        return next((n for n in self.nodes if n.nodeid == nodeid), None)

    def node_by_name(self, name: str) -> NodeFencing | None:
        return next((n for n in self.nodes if n.name == name), None)

    def device(self, name: str) -> FenceDevice | None:
        return next((d for d in self.devices if d.name == name), None)

    def name_of(self, nodeid: int) -> str:
        node = self.node_by_id(nodeid)
        return node.name if node else f"nodeid {nodeid}"


def agent_stdin(entry: DeviceEntry, device: FenceDevice, victim: str) -> Attrs:
    """The ``key=value`` pairs fenced writes to the agent, in fenced's order.

    1. the ``<device>`` attributes of the method entry; 2. ``nodename=`` unless already given;
    3. the ``<fencedevice>`` attributes (``agent=`` included). No ``action=`` is added.
    """
    pairs: list[tuple[str, str]] = list(entry.attrs)
    if not any(k == "nodename" for k, _ in pairs):
        pairs.append(("nodename", victim))
    pairs.extend(device.attrs)
    return tuple(pairs)


def stdin_text(pairs: Attrs) -> str:
    return "".join(f"{k}={v}\n" for k, v in pairs)


def secret_values(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return [v for k, v in pairs if k in SECRET_KEYS and v]


def redact_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """One log-friendly line of the stdin pairs with secrets replaced by ``***``."""
    return " ".join(f"{k}={'***' if k in SECRET_KEYS else v}" for k, v in pairs)
