#!/usr/bin/python3
"""OCF agent `service`: the root of a service's resource tree (rgmanager's service.sh, in our words).

It owns no state of its own beyond a marker that it was started (so monitor can answer 7 after a stop);
its parameters (domain, recovery, ...) are read by the resource manager from the configuration.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import ocf_lib as ocf  # noqa: E402
from ocf_lib import Action, AgentSpec, ChildRule, Param  # noqa: E402

SPEC = AgentSpec(
    name="service",
    shortdesc="Defines a service (resource group).",
    longdesc="The root of a resource tree: children start by type level, then in configuration order.",
    params=(
        Param(
            "name",
            "Name.",
            "The service's name, as clustat and clusvcadm show it.",
            required=True,
            unique=True,
            primary=True,
        ),
        Param("domain", "Failover domain.", "The failover domain the service prefers to run in."),
        Param("autostart", "Automatic start after quorum formation", kind="boolean", default="1"),
        Param(
            "exclusive",
            "Exclusive service.",
            "Run only on a node that runs no other service.",
            kind="boolean",
            default="0",
        ),
        Param("nfslock", "Enable NFS lock workarounds", kind="boolean", default="0"),
        Param("nfs_client_cache", "Enable exportfs list caching", kind="boolean", default="0"),
        Param(
            "recovery",
            "Failure recovery policy (restart, relocate, disable, restart-disable)",
            default="restart",
        ),
        Param("depend", "Top-level service this depends on, in service:name format."),
        Param("depend_mode", "Service dependency mode (hard or soft)", default="hard"),
        Param("max_restarts", "Maximum restarts for this service.", kind="integer", default="0"),
        Param("restart_expire_time", "Restart expiration time", kind="string", default="0"),
        Param("priority", "Service priority (central processing only).", kind="integer", default="0"),
    ),
    actions=(
        Action("start", 5),
        Action("stop", 5),
        Action("monitor", 5, interval=30, ocf_only=True),
        Action("recover", 5),
        Action("reconfig", 5, rgmanager_only=True),
        Action("reload", 5),
        Action("meta-data", 5),
        Action("validate-all", 5),
    ),
    children=(
        ChildRule("lvm", 1, 9),
        ChildRule("fs", 2, 8),
        ChildRule("clusterfs", 3, 7),
        ChildRule("netfs", 4, 6),
        ChildRule("nfsexport", 5, 5),
        ChildRule("nfsclient", 6, 4),
        ChildRule("ip", 7, 2),
        ChildRule("smb", 8, 3),
        ChildRule("script", 9, 1),
    ),
    max_instances=1,
)


def _marker(req: ocf.Request) -> str:
    return os.path.join(ocf.state_dir(), f"service-{ocf.safe_name(req.get('name') or req.instance)}")


def validate(req: ocf.Request) -> int:
    if not req.get("name"):
        raise ocf.AgentError(ocf.OCF_ERR_CONFIGURED, "parameter 'name' is required")
    if req.get("recovery") not in ("restart", "relocate", "disable", "restart-disable"):
        raise ocf.AgentError(ocf.OCF_ERR_CONFIGURED, f"unknown recovery policy {req.get('recovery')!r}")
    return ocf.OCF_SUCCESS


def start(req: ocf.Request) -> int:
    validate(req)
    ocf.touch(_marker(req))
    return ocf.OCF_SUCCESS


def stop(req: ocf.Request) -> int:
    ocf.remove(_marker(req))
    return ocf.OCF_SUCCESS


def status(req: ocf.Request) -> int:
    return ocf.OCF_SUCCESS if os.path.exists(_marker(req)) else ocf.OCF_NOT_RUNNING


def noop(req: ocf.Request) -> int:
    return ocf.OCF_SUCCESS


if __name__ == "__main__":
    sys.exit(
        ocf.main(
            SPEC,
            {
                "start": start,
                "stop": stop,
                "status": status,
                "validate-all": validate,
                "recover": start,
                "reconfig": noop,
                "reload": noop,
            },
        )
    )
