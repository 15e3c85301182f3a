"""Parsing Brocade FOS ``switchshow`` output (pure).

The port table follows a ``=====`` separator. Fixed-port switches print
``Index Port Address Media Speed State Proto [comment]``; bladed directors add a ``Slot`` column after
Index. A port is disabled when the comment after Proto starts with ``Disabled`` (``Disabled`` or
``Disabled (Persistent)``); any other row is enabled. Unlike the stock agent's parser, blank lines,
``\\r`` line ends and rows of other shapes are tolerated rather than crashing it.
"""

from __future__ import annotations

WWN_LEN = 23  # "10:00:00:00:c9:00:00:01"


class PortRow:
    """One port row of ``switchshow`` (a plain class: dataclasses cost every run their import)."""

    __slots__ = ("index", "slot", "port", "state", "disabled", "comment")

    def __init__(
        self, index: str, slot: str | None, port: str, state: str, disabled: bool, comment: str
    ) -> None:
        self.index = index
        self.slot = slot
        self.port = port
        self.state = state  # Online, No_Light, No_Module...
        self.disabled = disabled
        self.comment = comment

    def _fields(self) -> tuple[object, ...]:
        return (self.index, self.slot, self.port, self.state, self.disabled, self.comment)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PortRow) and other._fields() == self._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return "PortRow(" + ", ".join(repr(f) for f in self._fields()) + ")"

    @property
    def plug_names(self) -> tuple[str, ...]:
        """What a user may give as the plug: the index, and slot/port on a director."""
        names = [self.index]
        if self.slot is not None:
            names.append(f"{self.slot}/{self.port}")
        return tuple(names)

    @property
    def attached_wwn(self) -> str:
        """The WWN of the device logged in on the port (F-Port rows), else ''."""
        for word in self.comment.split():
            if len(word) == WWN_LEN and word.count(":") == 7:
                return word
        return ""


def parse_switchshow(text: str) -> list[PortRow]:
    rows: list[PortRow] = []
    in_table = False
    bladed = False
    for raw in text.splitlines():
        line = raw.strip()
        if not in_table:
            words = line.split()
            if words[:1] == ["Index"]:
                bladed = len(words) > 1 and words[1] == "Slot"
            in_table = line.startswith("=====")
            continue
        tokens = line.split()
        if not tokens or not tokens[0].isdigit():
            continue
        width = 8 if bladed else 7  # columns up to and including Proto
        if len(tokens) < width - 1:
            continue
        slot = tokens[1] if bladed else None
        port = tokens[2] if bladed else tokens[1]
        state = tokens[width - 2]
        comment = " ".join(tokens[width:])
        rows.append(PortRow(tokens[0], slot, port, state, comment.startswith("Disabled"), comment))
    return rows


def find_port(rows: list[PortRow], plug: str) -> PortRow | None:
    wanted = plug.strip()
    for row in rows:
        if wanted in row.plug_names:
            return row
    return None
