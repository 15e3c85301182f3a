"""Turn a :class:`ConfElement` tree (from any loader) into the typed :class:`ClusterConf` model.

Bad values raise :class:`ConfigError` naming the source, line and element. Schema-level checks (unknown
elements, missing required attributes) belong to :mod:`cluster.config.validate`; this module only
refuses what it cannot convert.
"""

from __future__ import annotations

from .errors import config_error
from .model import (
    ClusterConf,
    ClusterNode,
    Cman,
    DeviceRef,
    FenceDaemon,
    FenceDevice,
    FenceMethod,
    Heuristic,
    Logging,
    LoggingDaemon,
    LogSettings,
    Quorumd,
    Totem,
)
from .tree import ConfElement

_TRUE = {"1", "yes", "on", "true"}
_FALSE = {"0", "no", "off", "false"}


class _Reader:
    """Typed attribute access on one element, with errors that point at it."""

    def __init__(self, el: ConfElement, source: str) -> None:
        self.el = el
        self.source = source

    def fail(self, message: str) -> Exception:
        return config_error(self.source, self.el.line, self.el.tag, message)

    def text(self, key: str, default: str | None = None) -> str | None:
        return self.el.attrs.get(key, default)

    def required(self, key: str) -> str:
        value = self.el.attrs.get(key)
        if value is None or value == "":
            raise self.fail(f'missing required attribute "{key}"')
        return value

    def integer(self, key: str, default: int, low: int | None = None, high: int | None = None) -> int:
        value = self.opt_int(key, low, high)
        return default if value is None else value

    def opt_int(self, key: str, low: int | None = None, high: int | None = None) -> int | None:
        raw = self.el.attrs.get(key)
        if raw is None:
            return None
        try:
            value = int(raw.strip(), 10)
        except ValueError:
            raise self.fail(f'attribute {key}="{raw}" is not an integer') from None
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.fail(f'attribute {key}="{raw}" is out of range ({span})')
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool | None:
        raw = self.el.attrs.get(key)
        if raw is None:
            return default
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        raise self.fail(f'attribute {key}="{raw}" is not a boolean (use 0/1 or yes/no)')


def _cman(el: ConfElement | None, source: str) -> Cman:
    if el is None:
        return Cman()
    r = _Reader(el, source)
    mcast = el.find("multicast")
    window = r.integer("last_man_standing_window", 10000, low=0)
    return Cman(
        two_node=bool(r.boolean("two_node", False)),
        expected_votes=r.opt_int("expected_votes", low=1),
        port=r.integer("port", 5405, low=1, high=65535),
        cluster_id=r.opt_int("cluster_id", low=0, high=65535),
        hash_cluster_id=bool(r.boolean("hash_cluster_id", False)),
        broadcast=bool(r.boolean("broadcast", False)),
        keyfile=r.text("keyfile"),
        multicast=mcast.get("addr") if mcast is not None else None,
        transport=r.text("transport"),
        wait_for_all=bool(r.boolean("wait_for_all", False)),
        last_man_standing=bool(r.boolean("last_man_standing", False)),
        last_man_standing_window_ms=window,
        auto_tie_breaker=bool(r.boolean("auto_tie_breaker", False)),
        line=el.line,
    )


def _totem(el: ConfElement | None, source: str) -> Totem:
    if el is None:
        return Totem()
    r = _Reader(el, source)
    return Totem(
        token=r.integer("token", 10000, low=1),
        join=r.integer("join", 60, low=1),
        consensus=r.opt_int("consensus", low=1),
        fail_recv_const=r.integer("fail_recv_const", 2500, low=1),
        token_retransmits_before_loss_const=r.opt_int("token_retransmits_before_loss_const", low=1),
        secauth=bool(r.boolean("secauth", True)),
        keyfile=r.text("keyfile"),
        line=el.line,
    )


def _quorumd(el: ConfElement | None, source: str) -> Quorumd | None:
    if el is None:
        return None
    r = _Reader(el, source)
    heuristics = []
    for h in el.findall("heuristic"):
        hr = _Reader(h, source)
        heuristics.append(
            Heuristic(
                program=hr.required("program"),
                score=hr.integer("score", 1, low=0),
                interval=hr.integer("interval", 2, low=1),
                tko=hr.opt_int("tko", low=1),
                line=h.line,
            )
        )
    return Quorumd(
        interval=r.integer("interval", 1, low=1),
        tko=r.integer("tko", 10, low=1),
        votes=r.opt_int("votes", low=0),
        min_score=r.opt_int("min_score", low=0),
        device=r.text("device"),
        label=r.text("label"),
        heuristics=tuple(heuristics),
        line=el.line,
    )


def _fence_daemon(el: ConfElement | None, source: str) -> FenceDaemon:
    if el is None:
        return FenceDaemon()
    r = _Reader(el, source)
    return FenceDaemon(
        post_join_delay=r.integer("post_join_delay", 6, low=-1),
        post_fail_delay=r.integer("post_fail_delay", 0, low=-1),
        override_path=r.text("override_path", "/var/run/cluster/fenced_override") or "",
        override_time=r.integer("override_time", 3, low=0),
        clean_start=bool(r.boolean("clean_start", False)),
        skip_undefined=bool(r.boolean("skip_undefined", False)),
        line=el.line,
    )


def _log_settings(r: _Reader) -> LogSettings:
    return LogSettings(
        to_syslog=r.boolean("to_syslog"),
        to_logfile=r.boolean("to_logfile"),
        syslog_facility=r.text("syslog_facility"),
        syslog_priority=r.text("syslog_priority"),
        logfile_priority=r.text("logfile_priority"),
        logfile=r.text("logfile"),
        debug=r.boolean("debug"),
    )


def _logging(el: ConfElement | None, source: str) -> Logging:
    if el is None:
        return Logging()
    daemons = []
    for d in el.findall("logging_daemon"):
        dr = _Reader(d, source)
        daemons.append(LoggingDaemon(dr.required("name"), dr.text("subsys"), _log_settings(dr), d.line))
    return Logging(_log_settings(_Reader(el, source)), tuple(daemons), el.line)


def _device_ref(el: ConfElement, source: str) -> DeviceRef:
    name = _Reader(el, source).required("name")
    return DeviceRef(name, tuple((k, v) for k, v in el.attrs.items() if k != "name"), el.line)


def _node(el: ConfElement, source: str) -> ClusterNode:
    r = _Reader(el, source)
    methods = []
    fence = el.find("fence")
    for m in fence.findall("method") if fence is not None else []:
        mname = _Reader(m, source).required("name")
        methods.append(FenceMethod(mname, tuple(_device_ref(d, source) for d in m.findall("device")), m.line))
    unfence_el = el.find("unfence")
    unfence_devices = unfence_el.findall("device") if unfence_el is not None else []
    unfence = tuple(_device_ref(d, source) for d in unfence_devices)
    nodeid = r.opt_int("nodeid", low=1)
    if nodeid is None:
        raise r.fail('missing required attribute "nodeid"')
    return ClusterNode(
        name=r.required("name"),
        nodeid=nodeid,
        votes=r.integer("votes", 1, low=0, high=255),
        weight=r.opt_int("weight", low=0),
        methods=tuple(methods),
        unfence=unfence,
        line=el.line,
    )


def _fencedevice(el: ConfElement, source: str) -> FenceDevice:
    r = _Reader(el, source)
    name, agent = r.required("name"), r.required("agent")
    return FenceDevice(name, agent, tuple((k, v) for k, v in el.attrs.items() if k != "name"), el.line)


def _children(el: ConfElement | None, tag: str) -> list[ConfElement]:
    return el.findall(tag) if el is not None else []


def build_config(root: ConfElement, source: str) -> ClusterConf:
    """Build the typed model; raise :class:`ConfigError` for values that cannot be converted."""
    r = _Reader(root, source)
    if root.tag != "cluster":
        raise r.fail("the root element must be <cluster>")
    name = r.required("name")
    version = r.opt_int("config_version", low=0)
    if version is None:
        raise r.fail('missing required attribute "config_version"')
    nodes_el = root.find("clusternodes")
    devices_el = root.find("fencedevices")
    return ClusterConf(
        name=name,
        config_version=version,
        source=source,
        root=root,
        cman=_cman(root.find("cman"), source),
        totem=_totem(root.find("totem"), source),
        quorumd=_quorumd(root.find("quorumd"), source),
        fence_daemon=_fence_daemon(root.find("fence_daemon"), source),
        logging=_logging(root.find("logging"), source),
        nodes=tuple(_node(n, source) for n in _children(nodes_el, "clusternode")),
        fencedevices=tuple(_fencedevice(d, source) for d in _children(devices_el, "fencedevice")),
        rm=root.find("rm"),
        line=root.line,
    )
