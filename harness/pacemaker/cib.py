"""A :class:`PacemakerPlan` written into a CIB file with Pacemaker's own tools, checked by crm_verify.

``cibadmin --empty`` makes the file (so its version fields are Pacemaker's), then every property goes in
through ``crm_attribute`` and every element through ``cibadmin --create``, all offline on the file
(``CIB_file``). ``crm_verify -x`` must accept the result; its complaint is the one-line error otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from cluster.text_escape import one_line

from .translate import PacemakerPlan

TOOLS_PACKAGE = "pacemaker-cli-utils"


class CibError(RuntimeError):
    """The CIB could not be built or does not verify; one line (a tool's own complaint when it has one)."""


def _run(argv: Sequence[str], env: dict[str, str], deadline: float) -> subprocess.CompletedProcess[str]:
    if shutil.which(argv[0]) is None:
        raise CibError(f"{argv[0]} not found: apt-get install {TOOLS_PACKAGE}")
    left = deadline - time.monotonic()
    if left <= 0:
        raise CibError(f"building the CIB took longer than its timeout (at {argv[0]})")
    try:
        return subprocess.run(
            list(argv), env=env, capture_output=True, text=True, timeout=left, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise CibError(f"{argv[0]} did not finish within the CIB's timeout") from None


def _complaint(out: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in (out.stderr + "\n" + out.stdout).splitlines() if ln.strip()]
    useful = [ln for ln in lines if not ln.startswith(("-V may provide", "Errors found during check"))]
    return one_line("; ".join(useful[:3]) or f"exit status {out.returncode}")


def _checked(argv: Sequence[str], env: dict[str, str], deadline: float, what: str) -> str:
    out = _run(argv, env, deadline)
    if out.returncode != 0:
        raise CibError(f"{argv[0]} refused {what}: {_complaint(out)}")
    return out.stdout


def build_cib(plan: PacemakerPlan, path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    path = Path(path)
    env = {**os.environ, "CIB_file": str(path)}
    bare = {k: v for k, v in env.items() if k != "CIB_file"}
    path.write_text(_checked(["cibadmin", "--empty"], bare, deadline, "an empty CIB"))
    for name, value in plan.properties.items():
        argv = ["crm_attribute", "--type", "crm_config", "--name", name, "--update", value]
        _checked(argv, env, deadline, f"property {name}")
    sections = (
        ("resources", plan.resources),
        ("constraints", plan.constraints),
        ("fencing-topology", plan.topology),
    )
    for section, elements in sections:
        if section == "fencing-topology" and elements:  # the empty CIB has no such section yet
            argv = ["cibadmin", "--create", "-o", "configuration", "--xml-text", "<fencing-topology/>"]
            _checked(argv, env, deadline, "the fencing-topology section")
        for element in elements:
            what = f"{section} element {_head(element)}"
            _checked(["cibadmin", "--create", "-o", section, "--xml-text", element], env, deadline, what)
    out = _run(["crm_verify", "-x", str(path)], bare, deadline)
    if out.returncode != 0:
        raise CibError(f"crm_verify rejects {path.name}: {_complaint(out)}")


def _head(element: str) -> str:
    """``<primitive id="nps" ...`` -> ``primitive nps`` (never the attributes: they hold passwords)."""
    tag = element[1:].split(" ", 1)[0].rstrip(">")
    marker = 'id="'
    start = element.find(marker)
    ident = element[start + len(marker) : element.find('"', start + len(marker))] if start >= 0 else "?"
    return f"{tag} {ident}"
