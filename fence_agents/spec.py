"""How an agent declares itself: its options and its device factory. No I/O, no heavy imports here.

The framework (``fence_agents.main.run``) reads an :class:`AgentSpec`, parses argv or stdin against the
common options plus the agent's own, validates, and drives the :class:`~fence_agents.device.Device`
returned by ``connect``. Heavy libraries (pyghmi, pysnmp, asyncssh) must be imported inside ``connect``
or the device module so that ``-o metadata`` stays fast.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fence_agents.device import Device
    from fence_agents.request import Request


class OptType(enum.Enum):
    """Metadata ``<content type=...>`` values."""

    STRING = "string"
    INTEGER = "integer"
    SECOND = "second"  # a non-negative number of seconds, fractions allowed
    BOOLEAN = "boolean"
    SELECT = "select"


@dataclass(frozen=True)
class Option:
    """One option. ``key`` is the internal (old) name used by fenced's stdin: ``ipaddr``, ``passwd``, ...

    ``long`` is the GNU long flag without dashes (``ip``); when it differs from ``key`` the metadata lists the
    pair: ``key`` with deprecated="1" and ``long`` (with '-' -> '_') with obsoletes="key".
    """

    key: str
    long: str | None = None
    short: str | None = None
    type: OptType = OptType.STRING
    default: str | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    shortdesc: str = ""
    metavar: str | None = None  # shown in getopt mixed: "-a, --ip=[ip]"; None for booleans
    secret: bool = False  # value becomes a Secret and is redacted everywhere
    hidden: bool = False  # accepted but not listed in metadata (upstream's internal options)
    extra_names: tuple[str, ...] = ()  # further stdin names accepted (e.g. "plug" for port)
    order: int = 1  # metadata sorts parameters by (order, name) and usage by order, as upstream does
    usage: str = ""  # `-h` text when it differs from shortdesc (upstream's "help" column)

    @property
    def takes_value(self) -> bool:
        """Flags (booleans) take no argument on the command line; everything else does."""
        return self.type is not OptType.BOOLEAN


@dataclass(frozen=True)
class AgentSpec:
    """Everything the framework needs to know about an agent."""

    name: str  # default program name, e.g. "fence_nps"; the real argv[0] basename wins in metadata
    shortdesc: str
    longdesc: str
    vendor_url: str
    connect: Callable[[Request], Device]
    # keys of common options this agent uses (see fence_agents.options.COMMON), in addition to the
    # always-present ones (action, verbose, debug, quiet, version, help, delay, timeouts, ...)
    uses: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()  # the agent's own options
    defaults: Mapping[str, str] = field(default_factory=dict)  # per-agent default overrides
    required: tuple[str, ...] = ()  # keys that must be set, beyond the always-required ones
    fabric: bool = False  # SAN fencing: no reboot, default action off, on is automatic (unfence)
    plug_required: bool = True  # False for agents addressed by ip only (IPMI)
    actions: tuple[str, ...] = ()  # extra actions, e.g. ("diag",)
    symlinks: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # alias name -> default overrides
