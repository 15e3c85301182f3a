"""aiohttp's web module with its pure-Python HTTP parser.

aiohttp's C parser answers 400 to a method it does not know before the application sees the request;
DSP0266 wants 405 or 501 (the Protocol Validator sends FAKEMETHODFORTEST). The pure-Python parser accepts
any token. aiohttp reads the switch once, at import; wired processes need not inherit it.
"""

from __future__ import annotations

import os

_SET_HERE = "AIOHTTP_NO_EXTENSIONS" not in os.environ
os.environ.setdefault("AIOHTTP_NO_EXTENSIONS", "1")
from aiohttp import web  # noqa: E402

if _SET_HERE:
    del os.environ["AIOHTTP_NO_EXTENSIONS"]

__all__ = ["web"]
