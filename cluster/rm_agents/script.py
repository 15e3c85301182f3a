#!/usr/bin/python3
"""OCF agent `script`: an LSB init script as a resource (rgmanager's script.sh, in our words).

start/stop run `<file> start|stop`; status runs `<file> status`, where LSB's 3 (program is not running)
is OCF's 7 and any other non-zero exit is a failure.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import ocf_lib as ocf  # noqa: E402
from ocf_lib import Action, AgentError, AgentSpec, Param  # noqa: E402

SPEC = AgentSpec(
    name="script",
    shortdesc="LSB-compliant init script as a clustered resource.",
    longdesc="Runs an LSB init script with start, stop and status.",
    params=(
        Param("name", "Name", required=True, unique=True, primary=True),
        Param("file", "Path to script", "The full path of the LSB init script.", required=True, unique=True),
        Param("service_name", "Inherit the service name.", inherit="service%name"),
    ),
    actions=(
        Action("start", 0),
        Action("stop", 0),
        Action("status", 0, interval=30, rgmanager_only=True),
        Action("monitor", 20, interval=30, ocf_only=True),
        Action("meta-data", 0),
        Action("validate-all", 0),
    ),
)

LSB_NOT_RUNNING = 3
SCRIPT_TIMEOUT = 3600.0  # the script's own deadline is the resource manager's (timeouts 0 = not enforced)


def script_file(req: ocf.Request) -> str:
    path = req.get("file")
    if not path:
        raise AgentError(ocf.OCF_ERR_CONFIGURED, "parameter 'file' is required")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AgentError(ocf.OCF_ERR_INSTALLED, f"{path} is not an executable file")
    return path


def call(req: ocf.Request, op: str) -> int:
    out = ocf.run([script_file(req), op], timeout=SCRIPT_TIMEOUT)
    if out.stdout:
        sys.stdout.write(out.stdout)
    if out.returncode != 0 and op != "status":
        detail = ocf.first_line(out.stderr or out.stdout)
        raise AgentError(ocf.OCF_ERR_GENERIC, f"{req.get('file')} {op} exited {out.returncode}: {detail}")
    return out.returncode


def start(req: ocf.Request) -> int:
    call(req, "start")
    return ocf.OCF_SUCCESS


def stop(req: ocf.Request) -> int:
    if status(req) == ocf.OCF_NOT_RUNNING:  # LSB says stop of a stopped service succeeds; not all scripts do
        return ocf.OCF_SUCCESS
    call(req, "stop")
    return ocf.OCF_SUCCESS


def status(req: ocf.Request) -> int:
    code = call(req, "status")
    if code == 0:
        return ocf.OCF_SUCCESS
    if code == LSB_NOT_RUNNING:
        return ocf.OCF_NOT_RUNNING
    return ocf.OCF_ERR_GENERIC


def validate(req: ocf.Request) -> int:
    script_file(req)
    return ocf.OCF_SUCCESS


if __name__ == "__main__":
    sys.exit(ocf.main(SPEC, {"start": start, "stop": stop, "status": status, "validate-all": validate}))
