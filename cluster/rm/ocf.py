"""The OCF calling convention as rgmanager uses it (rgmanager.md §7): environment, operations, exit codes.

Pure: builds what a process runner needs; :mod:`ocf_exec` runs it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .conf_model import TreeNode


class OcfCode(enum.IntEnum):
    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7


OCF_TEXT = {
    0: "success",
    1: "generic error",
    2: "invalid argument",
    3: "unimplemented feature",
    4: "insufficient privileges",
    5: "program not installed",
    6: "program not configured",
    7: "not running",
}


def code_text(rc: int | None) -> str:
    if rc is None:
        return "timed out"
    return OCF_TEXT.get(rc, "unspecified error")


def op_succeeded(op: str, rc: int | None, ever_started: bool = True) -> bool:
    """Any nonzero is a failure, except stop -> 5 on a resource that never started (nothing to stop)."""
    if rc == 0:
        return True
    return op == "stop" and rc == OcfCode.ERR_INSTALLED and not ever_started


def ocf_environment(
    rtype: str,
    primary_value: str,
    attrs: Mapping[str, str],
    ocf_root: str,
    depth: int = 0,
    refcnt: int = 1,
    meta_timeout: int | None = None,
) -> dict[str, str]:
    """The clean environment an agent gets: nothing of ours (no PATH, no secrets), only the OCF keys."""
    env = {f"OCF_RESKEY_{key}": value for key, value in attrs.items()}
    env.update(
        {
            "OCF_RA_VERSION_MAJOR": "1",
            "OCF_RA_VERSION_MINOR": "0",
            "OCF_ROOT": ocf_root,
            "OCF_RESOURCE_INSTANCE": f"{rtype}:{primary_value}",
            "OCF_RESOURCE_TYPE": rtype,
            "OCF_CHECK_LEVEL": str(depth),
            "OCF_RESKEY_RGMANAGER_meta_refcnt": str(refcnt),
        }
    )
    if meta_timeout is not None:
        env["OCF_RESKEY_RGMANAGER_meta_timeout"] = str(meta_timeout)
    return env


@dataclass(frozen=True)
class Invocation:
    """Everything a process runner needs for one agent call: ``path op``, this environment, a deadline."""

    path: str
    op: str
    env: dict[str, str]
    timeout: int | None  # kill the process group at this deadline; None: rgmanager's "no timeout"


def invocation(node: TreeNode, op: str, depth: int = 0, enforce: bool | None = None) -> Invocation:
    """How to run ``op`` on one resource of a tree (what a RunAgent effect asks for)."""
    rule = node.resource.rule
    timeout = node.timeout(op, depth)
    enforced = node.enforce_timeouts if enforce is None else enforce
    env = ocf_environment(
        node.type,
        node.resource.primary,
        node.attrs,
        rule.ocf_root,
        depth,
        meta_timeout=None if enforced else timeout,
    )
    return Invocation(rule.agent_path, op, env, timeout if enforced else None)
