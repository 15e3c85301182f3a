"""fencelab's bundled resource agents (rgmanager's service, ip, fs and script) as OCF executables.

They are run as processes, never imported by the resource manager: ``agent_dir()`` tells where they are.
"""

from __future__ import annotations

from pathlib import Path

AGENTS = ("service", "ip", "fs", "script")


def agent_dir() -> Path:
    """The directory holding the agent executables (what rgmanager called /usr/share/cluster)."""
    return Path(__file__).resolve().parent


def agent_path(name: str) -> Path:
    return agent_dir() / f"{name}.py"
