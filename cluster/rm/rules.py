"""Resource rules from an agent's ``meta-data`` XML, as rgmanager's resrules.c builds them (rgmanager.md §5).

Pure: XML text in, a :class:`ResourceRule` out. Running the agent to get the text is :mod:`agent_dir`'s job.
OCF agents without rgmanager's extensions (no primary parameter, ``monitor`` instead of ``status``) get an
implicit ``name`` primary and have their status checks call ``monitor``: that is what makes any installed
heartbeat agent usable as a resource type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .values import c_atoi, expand_time, yes_flag

IMPLICIT_PRIMARY = "name"
DEPTH_ANY = -1  # depth="*" in a per-resource <action> override: every depth


class MetadataError(Exception):
    """Metadata that does not describe a usable resource type (one line, names the agent)."""


@dataclass(frozen=True)
class ParamRule:
    name: str
    primary: bool = False
    unique: bool = False
    required: bool = False
    reconfig: bool = False
    inherit: str | None = None  # "type%attr" or "attr"
    default: str | None = None


@dataclass(frozen=True)
class ActionRule:
    name: str
    timeout: int | None = None  # seconds
    interval: int | None = None  # seconds
    depth: int | None = None


@dataclass(frozen=True)
class ChildRule:
    type: str
    start: int | None = None  # level 1..100 (None: untyped, after the typed ones)
    stop: int | None = None
    forbid: bool = False


@dataclass(frozen=True)
class ResourceRule:
    type: str
    version: str = ""
    params: tuple[ParamRule, ...] = ()
    actions: tuple[ActionRule, ...] = ()
    children: tuple[ChildRule, ...] = ()
    maxinstances: int = 0  # 0: unlimited
    init_on_add: bool = False
    destroy_on_delete: bool = False
    implicit_primary: bool = False  # a plain OCF agent: we added the "name" primary
    agent_path: str = ""
    ocf_root: str = "/usr/share/cluster"
    _by_name: dict[str, ParamRule] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({p.name: p for p in self.params})

    def param(self, name: str) -> ParamRule | None:
        return self._by_name.get(name)

    @property
    def primary(self) -> str:
        return next(p.name for p in self.params if p.primary)

    def child(self, type_: str) -> ChildRule | None:
        return next((c for c in self.children if c.type == type_), None)

    def action(self, name: str) -> ActionRule | None:
        return next((a for a in self.actions if a.name == name), None)

    @property
    def status_op(self) -> str | None:
        """What a status check runs: ``status`` (rgmanager agents), else OCF ``monitor``, else nothing."""
        names = {a.name for a in self.actions}
        return "status" if "status" in names else "monitor" if "monitor" in names else None

    def status_actions(self) -> tuple[ActionRule, ...]:
        op = self.status_op
        return tuple(a for a in self.actions if a.name == op)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


def _int_or_none(text: str | None) -> int | None:
    return None if text is None or text.strip() == "" else c_atoi(text)


def _time_or_none(text: str | None) -> int | None:
    return None if text is None or text.strip() == "" else expand_time(text)


def _param(el: etree._Element, agent: str) -> ParamRule:
    name = el.get("name")
    if not name:
        raise MetadataError(f"{agent}: <parameter> without a name")
    content = el.find("content")
    default = content.get("default") if content is not None else None
    inherit = el.get("inherit") or None
    if inherit:  # an inherited value cannot identify a resource (resrules.c clears these)
        return ParamRule(name, reconfig=yes_flag(el.get("reconfig")), inherit=inherit, default=default)
    return ParamRule(
        name,
        primary=yes_flag(el.get("primary")),
        unique=yes_flag(el.get("unique")),
        required=yes_flag(el.get("required")),
        reconfig=yes_flag(el.get("reconfig")),
        default=default,
    )


def parse_metadata(text: str | bytes, agent: str = "agent") -> ResourceRule:
    """Build the rule for one agent from its meta-data output; :class:`MetadataError` if it is unusable."""
    data = text.encode() if isinstance(text, str) else text
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        raise MetadataError(f"{agent}: meta-data is not XML: {err.msg}") from None
    if root.tag != "resource-agent" or not root.get("name"):
        raise MetadataError(f"{agent}: meta-data has no <resource-agent name=...>")
    type_ = str(root.get("name"))
    params = [_param(el, agent) for el in root.iterfind("parameters/parameter")]
    primaries = [p.name for p in params if p.primary]
    if len(primaries) > 1:
        raise MetadataError(f"{agent}: more than one primary parameter ({', '.join(primaries)})")
    implicit = not primaries
    if implicit:
        params = [p for p in params if p.name != IMPLICIT_PRIMARY]
        params.insert(0, ParamRule(IMPLICIT_PRIMARY, primary=True, unique=True, required=True))
    actions = tuple(
        ActionRule(
            str(el.get("name")),
            timeout=_time_or_none(el.get("timeout")),
            interval=_time_or_none(el.get("interval")),
            depth=_int_or_none(el.get("depth")),
        )
        for el in root.iterfind("actions/action")
        if el.get("name")
    )
    special = next((s for s in root.iterfind("special") if s.get("tag") == "rgmanager"), None)
    children: list[ChildRule] = []
    maxinstances, init_on_add, destroy_on_delete = 0, False, False
    if special is not None:
        attrs = special.find("attributes")
        if attrs is not None:
            maxinstances = c_atoi(attrs.get("maxinstances"))
            init_on_add = yes_flag(attrs.get("init_on_add"))
            destroy_on_delete = yes_flag(attrs.get("destroy_on_delete"))
        for el in special.iterfind("child"):
            if el.get("type"):
                children.append(
                    ChildRule(
                        str(el.get("type")),
                        start=_int_or_none(el.get("start")),
                        stop=_int_or_none(el.get("stop")),
                        forbid=yes_flag(el.get("forbid")),
                    )
                )
    return ResourceRule(
        type_,
        version=root.get("version", ""),
        params=tuple(params),
        actions=actions,
        children=tuple(children),
        maxinstances=maxinstances,
        init_on_add=init_on_add,
        destroy_on_delete=destroy_on_delete,
        implicit_primary=implicit,
    )
