"""What an NPS prints: banner, status and group tables, help. Pure text; every line ends in CR LF.

The /S layout is the one the stock fence_wti parses: a header line starting with ``Plug`` whose ``|`` cells
include plug, name and status, then a ``-----+-----`` separator, then one row per plug with the same number
of cells. /SG follows WTI firmware 1.43: a group's first row holds only its name (plug and status ``---``);
each member plug is a continuation row with an empty name cell. (Stock fence_wti reads group status from the
continuation rows when listing, so this layout gives it right answers on both its code paths.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

NL = "\r\n"


@dataclass(frozen=True)
class PlugRow:
    number: int
    name: str
    on: bool  # as reported (a lying relay has already been applied)
    boot_delay: float
    default_on: bool


def banner(model: str, firmware: str, site_id: str) -> str:
    return f"{NL}{NL}Network Power Switch v{firmware}  ({model}){NL}Site ID: {site_id}{NL}{NL}"


def _onoff(on: bool) -> str:
    return "ON" if on else "OFF"


def status_header(firmware: str, site_id: str) -> list[str]:
    return [
        "",
        f"Network Power Switch v{firmware}  Site ID: {site_id}",
        "",
        "Plug | Name             | Password    | Status | Boot Delay | Default |",
        "-----+------------------+-------------+--------+------------+---------+",
    ]


def status_row(row: PlugRow) -> str:
    return (
        f" {row.number:<3} | {row.name[:16]:<16} | (undefined) | {_onoff(row.on):^6} | "
        f"{row.boot_delay:>5.1f} Secs | {_onoff(row.default_on):^7} |"
    )


def group_table(groups: Sequence[tuple[str, Sequence[tuple[int, bool]]]]) -> list[str]:
    lines = ["", " GROUP NAME       | PLUG | STATUS |", "------------------+------+--------+"]
    for name, members in groups:
        lines.append(f" {name[:16]:<16} | ---  |  ---   |")
        for number, on in members:
            lines.append(f" {'':<16} | {number:<4} | {_onoff(on):^6} |")
    return lines


def help_text(prompt: str) -> str:
    rows = [
        "",
        "                     Network Power Switch Commands",
        "",
        "  /S                 Display plug status",
        "  /SG                Display plug group status",
        "  /ON <plugs>[,y]    Turn plugs on",
        "  /OFF <plugs>[,y]   Turn plugs off",
        "  /BOOT <plugs>[,y]  Boot plugs (off, boot delay, on)",
        "  /H                 Display this help screen",
        "  /X                 Exit (log out)",
        "",
        "  <plugs>: a plug number, plug name, group name, * for all plugs, or a list like 1,3",
        "  ,y     : answer the Sure? question in advance",
        "",
    ]
    return NL.join(rows) + NL


def lines(rows: Sequence[str]) -> str:
    return "".join(r + NL for r in rows)
