"""clustat's layouts and exit codes (rgmanager.md §1), pure: rows in, text out.

The daemon layer only has to fill :class:`MemberRow` and :class:`ServiceRow`. Layouts follow
clustat.c's format strings, so widths depend on the terminal (80 columns when not a tty).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from cluster.rm.state import LAST_OWNER_STATES, Flag, State

CLUSTAT_VERSION = "4.1.1"
MAXHOSTNAMELEN = 64
EXIT_UNKNOWN = 255
RUNNING_STATES = frozenset({State.STARTING, State.STARTED, State.STOPPING})


@dataclass(frozen=True)
class MemberRow:
    name: str
    nodeid: int
    online: bool
    local: bool = False
    estranged: bool = False  # in cman, not in cluster.conf
    rgmanager: bool = False
    rg_role: str = ""  # "" | "RG-Master" | "RG-Worker" (central processing)
    qdisk: bool = False  # the quorum disk (id 0)


@dataclass(frozen=True)
class ServiceRow:
    name: str  # "service:www"
    state: State
    owner: str | None  # node name; None: nobody (id 0) -> "none"
    last_owner: str | None
    flags: Flag = Flag.NONE
    restarts: int = 0
    transition: int = 0  # epoch seconds


def ctime_text(epoch: float) -> str:
    """C's ctime() without the newline: ``Thu Nov 18 10:00:00 2010`` (day padded with a blank)."""
    t = time.localtime(epoch)
    return time.strftime("%a %b ", t) + f"{t.tm_mday:2d}" + time.strftime(" %H:%M:%S %Y", t)


def member_status(m: MemberRow) -> str:
    words = ["Online" if m.online else "Offline"]
    if m.local:
        words.append("Local")
    if m.estranged:
        words.append("Estranged")
    if m.rgmanager:
        words.append(m.rg_role or "rgmanager")
    if m.qdisk:
        words.append("Quorum Disk")
    return ", ".join(words)


def _name_width(cols: int) -> int:
    return min(cols // 2, MAXHOSTNAMELEN)


def _service_width(cols: int) -> int:
    return min((cols - 20) // 2, MAXHOSTNAMELEN)


def member_lines(members: Sequence[MemberRow], cols: int = 80) -> list[str]:
    n = _name_width(cols)
    lines = [
        f" {'Member Name':<{n}}{'ID':<4.4} Status",
        f" {'------ ----':<{n}}{'----':<4.4} ------",
    ]
    for m in sorted(members, key=lambda m: m.nodeid):
        if not m.online and m.estranged:
            continue  # down nodes that are not in the configuration are hidden
        lines.append(f" {m.name:<{n}.{n}} {m.nodeid:4d} {member_status(m)}")
    return lines


def owner_text(row: ServiceRow) -> str:
    if row.state in LAST_OWNER_STATES:
        return f"({row.last_owner or 'none'})"
    return row.owner or "none"


def flag_letters(flags: Flag) -> str:
    return ("Z" if flags & Flag.FROZEN else "") + ("P" if flags & Flag.PARTIAL else "")


def flags_text(flags: Flag) -> str:
    words = [w for bit, w in ((Flag.FROZEN, "frozen"), (Flag.PARTIAL, "partial")) if flags & bit]
    return ",".join(words) or "none"


def service_lines(services: Sequence[ServiceRow], cols: int = 80) -> list[str]:
    s = _service_width(cols)
    lines = [
        f" {'Service Name':<{s}.{s}} {'Owner (Last)':<{s}.{s}} {'State':<14.14}",
        f" {'------- ----':<{s}.{s}} {'----- ------':<{s}.{s}} {'-----':<14.14}",
    ]
    for row in sorted(services, key=lambda r: r.name):
        letters = flag_letters(row.flags)
        if letters:
            width = 14 - 2 - len(letters)
            state = f"{row.state.word:<{width}}[{letters}]"
        else:
            state = f"{row.state.word:<14.14}"
        lines.append(f" {row.name:<{s}.{s}} {owner_text(row):<{s}.{s}} {state}")
    return lines


def long_lines(services: Sequence[ServiceRow]) -> list[str]:
    lines = ["Service Information", "------- -----------", ""]
    for row in sorted(services, key=lambda r: r.name):
        lines += [
            f"Service Name      : {row.name}",
            f"  Current State   : {row.state.word} ({int(row.state)})",
            f"  Flags           : {flags_text(row.flags)} ({int(row.flags)})",
            f"  Owner           : {row.owner or 'none'}",
            f"  Last Owner      : {row.last_owner or 'none'}",
            f"  Last Transition : {ctime_text(row.transition)}",
            "",
        ]
    return lines


def status_text(
    cluster: str,
    now: float,
    quorate: bool,
    members: Sequence[MemberRow],
    services: Sequence[ServiceRow] | None,
    cols: int = 80,
    long: bool = False,
) -> str:
    """The whole screen; ``services`` None when rgmanager is unreachable (member table only)."""
    lines = [
        f"Cluster Status for {cluster} @ {ctime_text(now)}",
        f"Member Status: {'Quorate' if quorate else 'Inquorate'}",
        "",
    ]
    lines += member_lines(members, cols)
    lines.append("")
    if services is not None:
        lines += long_lines(services) if long else service_lines(services, cols)
    return "\n".join(lines) + "\n"


def xml_text(
    cluster: str,
    cluster_id: int,
    generation: int,
    quorate: bool,
    groupmember: bool,
    members: Sequence[MemberRow],
    services: Sequence[ServiceRow] | None,
) -> str:
    def flag(value: bool) -> str:
        return "1" if value else "0"

    lines = [
        '<?xml version="1.0"?>',
        f'<clustat version="{CLUSTAT_VERSION}">',
        f'  <cluster name={quoteattr(cluster)} id="{cluster_id}" generation="{generation}"/>',
        f'  <quorum quorate="{flag(quorate)}" groupmember="{flag(groupmember)}"/>',
        "  <nodes>",
    ]
    for m in sorted(members, key=lambda m: m.nodeid):
        lines.append(
            f'    <node name={quoteattr(m.name)} state="{flag(m.online)}" local="{flag(m.local)}"'
            f' estranged="{flag(m.estranged)}" rgmanager="{flag(m.rgmanager)}"'
            f' rgmanager_master="{flag(m.rg_role == "RG-Master")}" qdisk="{flag(m.qdisk)}"'
            f' nodeid="0x{m.nodeid:08x}"/>'
        )
    lines.append("  </nodes>")
    if services is not None:
        lines.append("  <groups>")
        for row in sorted(services, key=lambda r: r.name):
            letters = flag_letters(row.flags)
            lines.append(
                f'    <group name={quoteattr(row.name)} state="{int(row.state)}" state_str="{row.state.word}"'
                f' flags="{int(row.flags)}" flags_str="{letters}" owner={quoteattr(row.owner or "none")}'
                f' last_owner={quoteattr(row.last_owner or "none")} restarts="{row.restarts}"'
                f' last_transition="{row.transition}" last_transition_str="{ctime_text(row.transition)}"/>'
            )
        lines.append("  </groups>")
    lines.append("</clustat>")
    return "\n".join(lines) + "\n"


def member_exit(members: Sequence[MemberRow], name: str) -> int:
    """``-m``: 0 online, 1 offline, 255 unknown."""
    m = next((m for m in members if m.name == name), None)
    return EXIT_UNKNOWN if m is None else (0 if m.online else 1)


def service_exit(services: Sequence[ServiceRow], name: str, xml: bool = False) -> int:
    """``-s``: 0 while starting/started/stopping, else the numeric state (110, 119...), 255 unknown.
    With -x the exit status is 0 (the XML carries the state)."""
    full = name if ":" in name else f"service:{name}"
    row = next((r for r in services if r.name == full), None)
    if xml:
        return 0
    if row is None:
        return EXIT_UNKNOWN
    return 0 if row.state in RUNNING_STATES else int(row.state)


def quorum_exit(quorate: bool) -> int:
    """``-Q``: 0 quorate, 1 not."""
    return 0 if quorate else 1
