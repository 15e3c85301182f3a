"""What a WTI NPS says, parsed: the ``/S`` plug table, the ``/SG`` group table, plug lookup, prompts.

Pure functions over text, no I/O. The layouts are the ones the stock fence_wti reads: the plug table's
header is the first line starting with ``PLUG`` whose ``|``-separated cells name ``plug``, ``name`` and
``status``; a separator line follows; each later line with ``|`` is a row until a row has fewer cells than
the header. The group table's header starts with ``GROUP NAME``; a group's first row carries its name,
the rows after it (empty name cell) are further members; a group is on when any member is on.
"""

from __future__ import annotations

import re

from fence_agents.agents.nps_prompts import DEFAULT_PROMPTS
from fence_agents.device import PowerState

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

SEPARATOR_CHARS = frozenset("-+=| \t")
DEFAULT_PROMPTS_TEXT = repr(list(DEFAULT_PROMPTS))  # how the declaration passes the default


class PlugRow:
    """One row of the ``/S`` table (a plain class: ``typing.NamedTuple`` costs every run its import)."""

    __slots__ = ("plug", "name", "status")

    def __init__(self, plug: str, name: str, status: str) -> None:
        self.plug = plug  # as printed (case kept)
        self.name = name
        self.status = status  # the status cell, lower-cased ("on", "off", ...)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlugRow) and (other.plug, other.name, other.status) == (
            self.plug, self.name, self.status)  # fmt: skip

    def __hash__(self) -> int:
        return hash((self.plug, self.name, self.status))

    def __repr__(self) -> str:
        return f"PlugRow({self.plug!r}, {self.name!r}, {self.status!r})"

    @property
    def state(self) -> PowerState:
        return state_of(self.status)


class Group:
    """A plug group: its name and the status cells of its members (no dataclass: start-up cost)."""

    __slots__ = ("name", "statuses")

    def __init__(self, name: str, statuses: list[str] | None = None) -> None:
        self.name = name
        self.statuses: list[str] = statuses if statuses is not None else []

    def __repr__(self) -> str:
        return f"Group({self.name!r}, {self.statuses!r})"

    @property
    def state(self) -> PowerState:
        """ON if any member is on, OFF if every member is off; UNKNOWN when nothing readable is listed."""
        states = [state_of(s) for s in self.statuses]
        if PowerState.ON in states:
            return PowerState.ON
        if states and all(s is PowerState.OFF for s in states):
            return PowerState.OFF
        return PowerState.UNKNOWN


def state_of(word: str) -> PowerState:
    word = word.strip().lower()
    if word == "on":
        return PowerState.ON
    if word == "off":
        return PowerState.OFF
    return PowerState.UNKNOWN


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("|")]


def _is_separator(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and set(stripped) <= SEPARATOR_CHARS


def _column(header: Sequence[str], name: str) -> int | None:
    lowered = [cell.lower() for cell in header]
    return lowered.index(name) if name in lowered else None


def parse_status_table(text: str) -> list[PlugRow]:
    """Rows of the ``/S`` table (every page joined); [] when no table is found."""
    rows: list[PlugRow] = []
    header: list[str] | None = None
    index: tuple[int, int, int] | None = None
    for line in text.splitlines():
        if line.lstrip().upper().startswith("PLUG") and "|" in line:
            cells = _cells(line)
            plug_at, name_at, status_at = (_column(cells, c) for c in ("plug", "name", "status"))
            if plug_at is not None and name_at is not None and status_at is not None:
                header, index = cells, (plug_at, name_at, status_at)
            continue  # a repeated header on a later page is skipped too
        if header is None or index is None or "|" not in line or _is_separator(line):
            continue
        cells = _cells(line)
        if len(cells) < len(header):
            header = None  # a short row ends the table
            continue
        plug, name, status = (cells[i] for i in index)
        if plug:
            rows.append(PlugRow(plug, name, status.lower()))
    return rows


def parse_group_table(text: str) -> list[Group]:
    """Groups of the ``/SG`` table, in order; [] when no table is found."""
    groups: list[Group] = []
    index: tuple[int, int, int] | None = None
    for line in text.splitlines():
        if line.lstrip().upper().startswith("GROUP NAME") and "|" in line:
            cells = _cells(line)
            name_at, status_at = _column(cells, "group name"), _column(cells, "status")
            plug_at = next((i for i, c in enumerate(cells) if c.lower().startswith("plug")), None)
            if name_at is not None and status_at is not None and plug_at is not None:
                index = (name_at, plug_at, status_at)
            continue
        if index is None or "|" not in line or _is_separator(line):
            continue
        cells = _cells(line)
        if len(cells) <= max(index):
            name_at, index = index[0], None
            if groups and not (cells[name_at] if name_at < len(cells) else ""):
                groups[-1].statuses.append("")  # a member row cut short: that member's state is unknown
            continue
        name, plug, status = (cells[i] for i in index)
        if name:
            groups.append(Group(name))
        elif not groups:
            continue
        # some firmware prints the name alone on the group's first line ("---" or empty in the others);
        # every other row is a member, and a member without a readable status makes the group unknown
        if "---" not in status and (plug or status):
            groups[-1].statuses.append(status.lower())
    return groups


def find_plugs(rows: Iterable[PlugRow], wanted: str) -> list[PlugRow]:
    """The rows a user's plug means: the plug number first, else every plug of that name (any case)."""
    key = wanted.strip().lower()
    rows = list(rows)
    by_number = [row for row in rows if row.plug.lower() == key]
    return by_number or [row for row in rows if row.name.lower() == key]


def find_group(groups: Iterable[Group], wanted: str) -> Group | None:
    key = wanted.strip().lower()
    return next((g for g in groups if g.name.lower() == key), None)


def combined_state(rows: Sequence[PlugRow]) -> PowerState:
    states = [row.state for row in rows]
    if PowerState.UNKNOWN in states or not states:
        return PowerState.UNKNOWN
    return PowerState.ON if PowerState.ON in states else PowerState.OFF


def prompt_patterns(value: str | None) -> list[str]:
    """``cmd_prompt`` as regular expressions: a Python-style list (upstream's default) or one regex.

    A text that is not a valid regular expression is matched literally rather than rejected.
    """
    text = (value or "").strip()
    if not text or text == DEFAULT_PROMPTS_TEXT:  # the default needs no parsing (ast costs ~2 ms)
        return list(DEFAULT_PROMPTS)
    items: list[str] = [text]
    if text.startswith("[") and text.endswith("]"):
        import ast  # only for upstream's list form; keeps start-up lean

        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            parsed = None
        if isinstance(parsed, list) and parsed and all(isinstance(p, str) for p in parsed):
            items = parsed
    out = []
    for item in items:
        try:
            re.compile(item)
            out.append(item)
        except re.error:
            out.append(re.escape(item))
    return out
