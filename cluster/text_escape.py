"""Text from outside (arguments, file names, cluster.conf values) made safe for one line of a terminal."""

from __future__ import annotations


def one_line(text: str) -> str:
    """Undecodable bytes as ``\\xff`` (not ``\\udcff``), control characters and newlines escaped."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that is not an escaped byte
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
