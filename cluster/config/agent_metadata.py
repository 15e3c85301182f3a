"""A fence agent's parameters, read from its own ``-o metadata`` (run as a process, as RHEL generated
cluster.rng from the installed agents), cached on disk by agent path, size and mtime.

The agent is looked up where fenced looks (:func:`cluster.fenced.agent_call.agent_search_path`). The cache
lives in ``$XDG_CACHE_HOME/fencelab/agent-metadata`` (``~/.cache``); an unwritable cache only costs time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from functools import lru_cache
from pathlib import Path

from cluster.daemon.fence_agent import agent_search_path, resolve_agent

from .agent_params import AgentMetadata, AgentNotFound, MetadataError, parse_metadata

__all__ = ["AgentMetadata", "AgentNotFound", "MetadataError", "agent_metadata", "parse_metadata"]
METADATA_TIMEOUT = 10.0
MAX_METADATA_BYTES = 1024 * 1024


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fencelab" / "agent-metadata"


def _cache_file(path: str) -> Path | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = hashlib.sha256(f"{os.path.realpath(path)}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()
    return _cache_dir() / f"{key[:32]}.xml"


def _run_metadata(path: str) -> bytes:
    try:
        done = subprocess.run(
            [path, "-o", "metadata"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=METADATA_TIMEOUT,
            env={**os.environ, "LANG": "C", "LC_ALL": "C"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MetadataError(f"{path} -o metadata did not finish within {METADATA_TIMEOUT:g}s") from None
    except OSError as err:
        raise MetadataError(f"cannot run {path}: {err.strerror or err}") from None
    if done.returncode != 0 or not done.stdout.strip():
        raise MetadataError(
            f"{path} -o metadata failed (exit {done.returncode}): no metadata to check against"
        )
    return done.stdout[:MAX_METADATA_BYTES]


@lru_cache(maxsize=256)
def _metadata_at(agent: str, path: str) -> AgentMetadata:
    cached = _cache_file(path)
    if cached is not None and cached.is_file():
        try:
            return parse_metadata(cached.read_bytes(), agent, path)
        except (OSError, MetadataError):
            pass  # a damaged cache entry: ask the agent again
    data = _run_metadata(path)
    meta = parse_metadata(data, agent, path)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            tmp.replace(cached)  # atomic: a concurrent validator never reads half a file
        except OSError:
            pass
    return meta


def _where(agent: str, dirs: list[str]) -> str:
    """The directories searched, short enough for one line: those before $PATH's, then "and $PATH"."""
    if "/" in agent:
        return agent
    path_dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    tail = bool(path_dirs) and dirs[len(dirs) - len(path_dirs) :] == path_dirs
    shown = list(dict.fromkeys(dirs[: len(dirs) - len(path_dirs)] if tail else dirs))
    return ", ".join(shown) + (" and $PATH" if tail else "")


def agent_metadata(agent: str, search: list[str] | None = None) -> AgentMetadata:
    """The metadata of ``agent`` (a name looked up like fenced does, or a path); :class:`MetadataError`."""
    dirs = search if search is not None else agent_search_path()
    path = resolve_agent(agent, dirs)
    if path is None:
        raise AgentNotFound(f"no such fence agent {agent!r} (looked in {_where(agent, dirs)})")
    return _metadata_at(agent, path)
