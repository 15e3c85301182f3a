"""Fence device attributes checked against the named agent's own metadata (as RHEL's cluster.rng was
generated from the installed agents), so ``ipadr=`` or ``agent="fence_npz"`` fail validation, not fencing.

- an agent that cannot be found: an error naming it and the directories searched;
- an attribute of a ``<fencedevice>`` or of a node's ``<device>`` that the agent does not take: an error
  with the closest valid name ("did you mean ipaddr?"); deprecated names (``ipaddr``, ``login``) are valid;
- a required parameter missing from the merged ``<device>`` + ``<fencedevice>`` attributes (what fenced
  passes): an error. Not the configuration's job: ``action`` (the agent's default applies), ``nodename``
  (fenced adds it), ``port``/``plug`` (agents fall back to nodename). A parameter and the names it
  obsoletes or is obsoleted by count as one; ``ip`` is also satisfied by ``serial_port`` where the agent has
  one (fence_nps on an RS-232 line).
- an agent that runs but gives no metadata: a warning (its attributes cannot be checked).

The metadata comes from :mod:`agent_metadata` (agent processes, cached); this module only compares.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from .agent_params import AgentMetadata, AgentNotFound, MetadataError
from .errors import Problem
from .model import ClusterConf, DeviceRef, FenceDevice

FENCED_SUPPLIED = frozenset({"action", "nodename", "port", "plug"})
NOT_AGENT_OPTIONS = frozenset({"name", "agent"})  # fenced's own: the reference and the program
ALTERNATIVES = {"ip": ("serial_port",)}  # a required parameter another one can stand in for

Lookup = Callable[[str], AgentMetadata]


def _unknown(
    src: str,
    element: str,
    line: int | None,
    owner: str,
    attrs: tuple[tuple[str, str], ...],
    meta: AgentMetadata,
) -> list[Problem]:
    problems = []
    for key, _ in attrs:
        if key in NOT_AGENT_OPTIONS or key in meta.parameters:
            continue
        close = difflib.get_close_matches(key, list(meta.parameters), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        message = f'{owner}: {meta.agent} has no parameter "{key}"{hint}'
        problems.append(Problem(src, line, element, message))
    return problems


def _missing_required(merged: set[str], meta: AgentMetadata) -> list[str]:
    missing: list[str] = []
    seen: set[str] = set()
    for param in meta.parameters.values():
        if not param.required or param.name in seen:
            continue
        group = meta.group(param.name)
        seen |= group
        if group & FENCED_SUPPLIED or group & merged:
            continue
        stand_ins = {alt for name in group for alt in ALTERNATIVES.get(name, ()) if alt in meta.parameters}
        if stand_ins & merged:
            continue
        current = [n for n in sorted(group) if not meta.parameters.get(n, param).deprecated] or sorted(group)
        others = sorted(group - set(current))
        missing.append(current[0] + (f" (or {', '.join(others)})" if others else ""))
    return missing


def agent_problems(conf: ClusterConf, lookup: Lookup) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of every fencedevice and every node's device, against the agents' metadata."""
    src = conf.source
    errors: list[Problem] = []
    warnings: list[Problem] = []
    metas: dict[str, AgentMetadata | None] = {}
    for fd in conf.fencedevices:
        metas[fd.name] = None
        try:
            found = lookup(fd.agent)
        except AgentNotFound as err:
            errors.append(Problem(src, fd.line, "fencedevice", f'fencedevice "{fd.name}": {err}'))
            continue
        except MetadataError as err:  # it runs, but cannot tell what it takes
            warnings.append(Problem(src, fd.line, "fencedevice", f'warning: fencedevice "{fd.name}": {err}'))
            continue
        metas[fd.name] = found
        errors += _unknown(src, "fencedevice", fd.line, f'fencedevice "{fd.name}"', fd.attrs, found)
    known = {fd.name: fd for fd in conf.fencedevices}
    for node in conf.nodes:
        refs: list[tuple[DeviceRef, bool]] = [(d, False) for m in node.methods for d in m.devices]
        refs += [(d, True) for d in node.unfence]
        for ref, unfence in refs:
            meta = metas.get(ref.name)
            if meta is None:
                continue  # an undefined fencedevice is reported by the semantic checks; no metadata: warned
            owner = f'node "{node.name}" device "{ref.name}"'
            errors += _unknown(src, "device", ref.line, owner, ref.attrs, meta)
            if not unfence:
                errors += _required(src, owner, ref, known[ref.name], meta)
    return errors, warnings


def _required(src: str, owner: str, ref: DeviceRef, fd: FenceDevice, meta: AgentMetadata) -> list[Problem]:
    merged = {k for k, _ in ref.attrs} | {k for k, _ in fd.attrs}
    return [
        Problem(
            src,
            ref.line,
            "device",
            f'{owner}: {meta.agent} requires {name}, given neither here nor by fencedevice "{fd.name}"',
        )
        for name in _missing_required(merged, meta)
    ]
