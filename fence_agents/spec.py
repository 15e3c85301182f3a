"""How an agent declares itself: its options and its device factory. No I/O, no heavy imports here.

The framework (``fence_agents.main.run``) reads an :class:`AgentSpec`, parses argv or stdin against the
common options plus the agent's own, validates, and drives the :class:`~fence_agents.device.Device`
returned by ``connect``. Heavy libraries (pyghmi, pysnmp, asyncssh) must be imported inside ``connect``
or the device module so that ``-o metadata`` stays fast.

Plain classes with ``__slots__`` rather than dataclasses and enums: this module is on the path of every
run, and ``dataclasses`` (with ``inspect``) and ``enum`` cost a plain run more than the action itself.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from fence_agents.device import Device
    from fence_agents.request import Request


class OptType:
    """Metadata ``<content type=...>`` values: ``OptType.BOOLEAN``...; compared by identity."""

    __slots__ = ("name", "value")
    STRING: OptType
    INTEGER: OptType
    SECOND: OptType  # a non-negative number of seconds, fractions allowed
    BOOLEAN: OptType
    SELECT: OptType

    def __init__(self, name: str, value: str) -> None:
        self.name = name
        self.value = value

    def __repr__(self) -> str:
        return f"OptType.{self.name}"


OptType.STRING = OptType("STRING", "string")
OptType.INTEGER = OptType("INTEGER", "integer")
OptType.SECOND = OptType("SECOND", "second")
OptType.BOOLEAN = OptType("BOOLEAN", "boolean")
OptType.SELECT = OptType("SELECT", "select")


class Action:
    """The actions, by their upstream names (what ``-o`` and ``action=`` carry)."""

    ON = "on"
    OFF = "off"
    REBOOT = "reboot"
    STATUS = "status"
    LIST = "list"
    LIST_STATUS = "list-status"
    MONITOR = "monitor"
    METADATA = "metadata"
    MANPAGE = "manpage"
    VALIDATE_ALL = "validate-all"
    DIAG = "diag"
    NO_PLUG = frozenset({LIST, LIST_STATUS, MONITOR})  # actions that need no plug
    DOCUMENTATION = frozenset({METADATA, MANPAGE})  # answered without validation or a device
    DELAYED = frozenset({OFF, REBOOT})  # `delay` waits before these only


class _Frozen:
    """Value semantics for the declaration classes: equal by fields, hashable, read-only."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({shown})"


class Option(_Frozen):
    """One option. ``key`` is the internal (old) name used by fenced's stdin: ``ipaddr``, ``passwd``, ...

    ``long`` is the GNU long flag without dashes (``ip``); when it differs from ``key`` the metadata lists the
    pair: ``key`` with deprecated="1" and ``long`` (with '-' -> '_') with obsoletes="key".
    """

    __slots__ = (
        "key", "long", "short", "type", "default", "required", "choices", "shortdesc", "metavar", "secret",
        "hidden", "extra_names", "order", "usage",
    )  # fmt: skip
    key: str
    long: str | None
    short: str | None
    type: OptType
    default: str | None
    required: bool
    choices: tuple[str, ...]
    shortdesc: str
    metavar: str | None  # shown in getopt mixed: "-a, --ip=[ip]"; None for booleans
    secret: bool  # value becomes a Secret and is kept out of every message
    hidden: bool  # accepted but not listed in metadata (upstream's internal options)
    extra_names: tuple[str, ...]  # further stdin names accepted (e.g. "plug" for port)
    order: int  # metadata sorts parameters by (order, name) and usage by order, as upstream does
    usage: str  # `-h` text when it differs from shortdesc (upstream's "help" column)

    def __init__(
        self,
        key: str,
        long: str | None = None,
        short: str | None = None,
        type: OptType = OptType.STRING,
        default: str | None = None,
        required: bool = False,
        choices: tuple[str, ...] = (),
        shortdesc: str = "",
        metavar: str | None = None,
        secret: bool = False,
        hidden: bool = False,
        extra_names: tuple[str, ...] = (),
        order: int = 1,
        usage: str = "",
    ) -> None:
        values = (key, long, short, type, default, required, choices, shortdesc, metavar, secret, hidden,
                  extra_names, order, usage)  # fmt: skip
        for name, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, name, value)

    @property
    def takes_value(self) -> bool:
        """Flags (booleans) take no argument on the command line; everything else does."""
        return self.type is not OptType.BOOLEAN


class AgentSpec(_Frozen):
    """Everything the framework needs to know about an agent."""

    __slots__ = (
        "name", "shortdesc", "longdesc", "vendor_url", "connect", "uses", "options", "defaults", "required",
        "fabric", "plug_required", "actions", "symlinks", "plugs_optional",
    )  # fmt: skip
    name: str  # default program name, e.g. "fence_nps"; the real argv[0] basename wins in metadata
    shortdesc: str
    longdesc: str
    vendor_url: str
    connect: Callable[[Request], Device]
    # keys of common options this agent uses (see fence_agents.options.COMMON), in addition to the
    # always-present ones (action, verbose, debug, quiet, version, help, delay, timeouts, ...)
    uses: tuple[str, ...]
    options: tuple[Option, ...]  # the agent's own options
    defaults: Mapping[str, str]  # per-agent default overrides
    required: tuple[str, ...]  # keys that must be set, beyond the always-required ones
    fabric: bool  # SAN fencing: no reboot, default action off, on is automatic (unfence)
    plug_required: bool  # False for agents addressed by ip only (IPMI)
    # an ip-addressed agent whose plug, when given (without --port-as-ip), picks one of the device's
    # machines (a Redfish service's systems): the device then sees the plugs, and list/list-status exist
    plugs_optional: bool
    actions: tuple[str, ...]  # extra actions, e.g. ("diag",)
    symlinks: Mapping[str, Mapping[str, str]]  # alias name -> default overrides

    def __init__(
        self,
        name: str,
        shortdesc: str,
        longdesc: str,
        vendor_url: str,
        connect: Callable[[Request], Device],
        uses: tuple[str, ...] = (),
        options: tuple[Option, ...] = (),
        defaults: Mapping[str, str] | None = None,
        required: tuple[str, ...] = (),
        fabric: bool = False,
        plug_required: bool = True,
        actions: tuple[str, ...] = (),
        symlinks: Mapping[str, Mapping[str, str]] | None = None,
        plugs_optional: bool = False,
    ) -> None:
        values = (name, shortdesc, longdesc, vendor_url, connect, uses, options, defaults or {}, required,
                  fabric, plug_required, actions, symlinks or {}, plugs_optional)  # fmt: skip
        for slot, value in zip(self.__slots__, values, strict=True):
            object.__setattr__(self, slot, value)

    def __hash__(self) -> int:  # defaults and symlinks are dicts
        return hash((self.name, self.connect))


def connect_to(target: str) -> Callable[[Request], Device]:
    """``connect=connect_to("fence_agents.agents.nps_device:NpsDevice")``: the device class, imported only
    when an action runs. The declaration module then imports nothing of the device (its parsers, regular
    expressions, transports), so ``-o metadata`` pays for none of it."""
    module, _, name = target.partition(":")

    def connect(request: Request) -> Device:
        device_class = getattr(__import__(module, fromlist=[name]), name)
        device: Device = device_class(request)
        return device

    connect.__qualname__ = f"connect_to({target!r})"
    return connect
