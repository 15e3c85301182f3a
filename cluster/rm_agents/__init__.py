"""fencelab's bundled resource agents (rgmanager's service, ip, fs and script) as OCF executables.

They are run as processes, never imported by the resource manager: ``agent_dir()`` tells where they are.
"""

from __future__ import annotations

import os
from pathlib import Path

AGENTS = ("service", "ip", "fs", "script")


def agent_dir() -> Path:
    """The directory holding the agent executables (what rgmanager called /usr/share/cluster).

    A wheel does not keep file modes of package files, so the first caller makes them executable (when it
    may: a root-owned site-packages read by another user stays as the installer left it)."""
    here = Path(__file__).resolve().parent
    for name in AGENTS:
        path = here / f"{name}.py"
        if not os.access(path, os.X_OK):
            try:
                path.chmod(0o755)
            except OSError:
                pass
    return here


def agent_path(name: str) -> Path:
    return agent_dir() / f"{name}.py"
