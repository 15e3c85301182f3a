"""The typed model of cluster.conf. Every part keeps the line it came from (``None`` without one).

Built from a :class:`ConfElement` tree by :mod:`cluster.config.build`, so any loader (XML today, LDAP
later) yields the same model. Attributes of fence devices are kept in document order because fenced
feeds them to the agent in that order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import derive
from .errors import ConfigError, Problem
from .tree import ConfElement


@dataclass(frozen=True)
class Cman:
    two_node: bool = False
    expected_votes: int | None = None
    port: int = derive.DEFAULT_PORT
    cluster_id: int | None = None
    hash_cluster_id: bool = False
    broadcast: bool = False
    keyfile: str | None = None
    multicast: str | None = None
    transport: str | None = None
    # votequorum options (our extension of <cman>; corosync keeps them in its <quorum> section)
    wait_for_all: bool = False
    last_man_standing: bool = False
    last_man_standing_window_ms: int = 10000
    auto_tie_breaker: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Totem:
    token: int = derive.DEFAULT_TOKEN_MS
    join: int = derive.DEFAULT_JOIN_MS
    consensus: int | None = None  # None: cman's rule, see derive.default_consensus
    fail_recv_const: int = derive.DEFAULT_FAIL_RECV_CONST
    token_retransmits_before_loss_const: int | None = None
    secauth: bool = True
    keyfile: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Heuristic:
    program: str
    score: int = 1
    interval: int = 2
    tko: int | None = None
    line: int | None = None


@dataclass(frozen=True)
class Quorumd:
    interval: int = 1
    tko: int = 10
    votes: int | None = None
    min_score: int | None = None
    device: str | None = None
    label: str | None = None
    heuristics: tuple[Heuristic, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class FenceDaemon:
    post_join_delay: int = 6
    post_fail_delay: int = 0
    override_path: str = "/var/run/cluster/fenced_override"
    override_time: int = 3
    clean_start: bool = False
    skip_undefined: bool = False
    line: int | None = None


@dataclass(frozen=True)
class LogSettings:
    """Settings of <logging> or one <logging_daemon>; ``None`` means "inherit"."""

    to_syslog: bool | None = None
    to_logfile: bool | None = None
    syslog_facility: str | None = None
    syslog_priority: str | None = None
    logfile_priority: str | None = None
    logfile: str | None = None
    debug: bool | None = None


@dataclass(frozen=True)
class LoggingDaemon:
    name: str
    subsys: str | None = None
    settings: LogSettings = field(default_factory=LogSettings)
    line: int | None = None


LOG_DEFAULTS = LogSettings(True, True, "daemon", "info", "info", None, False)


@dataclass(frozen=True)
class Logging:
    settings: LogSettings = field(default_factory=LogSettings)
    daemons: tuple[LoggingDaemon, ...] = ()
    line: int | None = None

    def effective(self, daemon: str) -> LogSettings:
        """Settings for one daemon: its <logging_daemon>, then <logging>, then cluster 3 defaults."""
        own = next((d.settings for d in self.daemons if d.name == daemon and not d.subsys), LogSettings())
        merged = {}
        for key in LOG_DEFAULTS.__dataclass_fields__:
            value = getattr(own, key)
            if value is None:
                value = getattr(self.settings, key)
            if value is None:
                value = getattr(LOG_DEFAULTS, key)
            merged[key] = value
        if merged["logfile"] is None:
            merged["logfile"] = f"/var/log/cluster/{daemon}.log"
        return LogSettings(**merged)


@dataclass(frozen=True)
class DeviceRef:
    """A <device> inside a <method> or <unfence>: ``name`` names a <fencedevice>, the rest go to the agent."""

    name: str
    attrs: tuple[tuple[str, str], ...] = ()  # document order, without "name"
    line: int | None = None


@dataclass(frozen=True)
class FenceMethod:
    name: str
    devices: tuple[DeviceRef, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class ClusterNode:
    name: str
    nodeid: int
    votes: int = 1
    weight: int | None = None
    methods: tuple[FenceMethod, ...] = ()
    unfence: tuple[DeviceRef, ...] = ()
    line: int | None = None


@dataclass(frozen=True)
class FenceDevice:
    name: str
    agent: str
    attrs: tuple[tuple[str, str], ...] = ()  # document order, without "name" (so "agent" is included)
    line: int | None = None


@dataclass(frozen=True)
class ClusterConf:
    name: str
    config_version: int
    source: str
    root: ConfElement
    cman: Cman = field(default_factory=Cman)
    totem: Totem = field(default_factory=Totem)
    quorumd: Quorumd | None = None
    fence_daemon: FenceDaemon = field(default_factory=FenceDaemon)
    logging: Logging = field(default_factory=Logging)
    nodes: tuple[ClusterNode, ...] = ()
    fencedevices: tuple[FenceDevice, ...] = ()
    rm: ConfElement | None = None  # kept raw for the resource manager
    line: int | None = None

    @property
    def cluster_id(self) -> int:
        return derive.cluster_id(self.name, self.cman.cluster_id, self.cman.hash_cluster_id)

    def multicast_address(self, ipv6: bool = False) -> str:
        if self.cman.broadcast:
            return derive.BROADCAST_ADDRESS
        if self.cman.multicast:
            return self.cman.multicast
        return derive.default_multicast(self.cluster_id, ipv6)

    @property
    def port(self) -> int:
        return self.cman.port

    @property
    def expected_votes(self) -> int:
        if self.cman.expected_votes:
            return self.cman.expected_votes
        return sum(node.votes for node in self.nodes)

    @property
    def consensus(self) -> int:
        if self.totem.consensus is not None:
            return self.totem.consensus
        return derive.default_consensus(self.totem.token, len(self.nodes))

    def node(self, name: str) -> ClusterNode | None:
        return next((n for n in self.nodes if n.name == name), None)

    def node_by_id(self, nodeid: int) -> ClusterNode | None:
        return next((n for n in self.nodes if n.nodeid == nodeid), None)

    def fencedevice(self, name: str) -> FenceDevice | None:
        return next((d for d in self.fencedevices if d.name == name), None)

    def read_cluster_key(self) -> bytes:
        """The key that authenticates cluster traffic: ``<cman keyfile>`` (or ``<totem keyfile>``) content,
        else cman's key made from the cluster name."""
        path = self.cman.keyfile or self.totem.keyfile
        if not path:
            return self.totem_key()
        try:
            with open(path, "rb") as handle:
                return handle.read(4096)
        except OSError as err:
            line = self.cman.line if self.cman.keyfile else self.totem.line
            element = "cman" if self.cman.keyfile else "totem"
            raise ConfigError(
                Problem(self.source, line, element, f"cannot read keyfile {path}: {err.strerror}")
            ) from None

    def totem_key(self, keyfile_bytes: bytes | None = None) -> bytes:
        """The cluster key: the keyfile's content when one is configured and given, else cman's name key."""
        if keyfile_bytes is not None:
            return keyfile_bytes
        return derive.totem_key_from_name(self.name)
