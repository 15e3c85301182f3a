"""rgmanager's value parsing quirks, kept because users can observe them (rgmanager.md §3, §4, §5)."""

from __future__ import annotations

import re

_ATOI = re.compile(r"\s*([+-]?\d+)")
_TIME_PART = re.compile(r"(\d+)([smhdwy]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def c_atoi(text: str | None) -> int:
    """C's atoi(): leading blanks, optional sign, digits; anything else (or nothing) is 0."""
    if not text:
        return 0
    match = _ATOI.match(text)
    return int(match.group(1)) if match else 0


def atoi_flag(text: str | None) -> bool:
    """Failover domain flags and service autostart: on when atoi() != 0, so "yes" means *off*."""
    return c_atoi(text) != 0


def yes_flag(text: str | None) -> bool:
    """exclusive, __independent_subtree, __enforce_timeouts, metadata flags: "1" or anything starting 'y'."""
    if not text:
        return False
    text = text.strip().lower()
    return text == "1" or text.startswith("y")


def expand_time(text: str | None) -> int:
    """rgmanager's expand_time: an integer with an optional s/m/h/d/w/y suffix, concatenable ("1h30m").

    A bad suffix (or anything unparsable) yields 0, as in rgmanager.
    """
    if not text:
        return 0
    text = text.strip()
    total = 0
    pos = 0
    while pos < len(text):
        match = _TIME_PART.match(text, pos)
        if not match:
            return 0
        total += int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total
