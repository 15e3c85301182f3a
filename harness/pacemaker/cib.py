"""A :class:`PacemakerPlan` written into a CIB file with Pacemaker's own tools, checked by crm_verify.

``cibadmin --empty`` makes the file (so its version fields are Pacemaker's), then every property goes in
through ``crm_attribute`` and each section's elements through ``cibadmin`` (one ``--replace`` per section;
one ``--create`` per element to name the culprit when cibadmin refuses one), all offline on the file
(``CIB_file``). ``crm_verify -x`` must accept the result; its complaint is the one-line error otherwise.
Node entries (only written for utilization, see harness.pacemaker.services) are added after that check.
"""

from __future__ import annotations

import os
import re
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


def _run(
    argv: Sequence[str], env: dict[str, str], deadline: float, xml: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one tool; ``xml`` goes in on stdin (``--xml-pipe``): in argv, passwords would show in ``ps``."""
    if shutil.which(argv[0]) is None:
        raise CibError(f"{argv[0]} not found: apt-get install {TOOLS_PACKAGE}")
    left = deadline - time.monotonic()
    if left <= 0:
        raise CibError(f"building the CIB took longer than its timeout (at {argv[0]})")
    try:
        if xml is None:
            return subprocess.run(
                list(argv), env=env, capture_output=True, text=True, timeout=left, stdin=subprocess.DEVNULL
            )
        return subprocess.run(
            [*argv, "--xml-pipe"], env=env, capture_output=True, text=True, timeout=left, input=xml
        )
    except subprocess.TimeoutExpired:
        raise CibError(f"{argv[0]} did not finish within the CIB's timeout") from None


def _complaint(out: subprocess.CompletedProcess[str]) -> str:
    """The tool's own words: its error lines (not the numbered CIB dump cibadmin adds on a schema error)."""
    lines = [ln.strip() for ln in (out.stderr + "\n" + out.stdout).splitlines() if ln.strip()]
    lines = [ln for ln in lines if not re.match(r"\d+\s", ln)]
    errors = [ln.split("error: ", 1)[1] for ln in lines if "error: " in ln]
    errors += [ln for ln in lines if ln.startswith("Call failed")]
    useful = errors or [
        ln for ln in lines if not ln.startswith(("-V may provide", "crm_verify: Errors found"))
    ]
    return one_line("; ".join(useful[:3]) or f"exit status {out.returncode}")


def _checked(
    argv: Sequence[str], env: dict[str, str], deadline: float, what: str, xml: str | None = None
) -> str:
    out = _run(argv, env, deadline, xml)
    if out.returncode != 0:
        raise CibError(f"{argv[0]} refused {what}: {_complaint(out)}")
    return out.stdout


def build_cib(plan: PacemakerPlan, path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    path = Path(path)
    env = {**os.environ, "CIB_file": str(path)}
    bare = {k: v for k, v in env.items() if k != "CIB_file"}
    empty = _checked(["cibadmin", "--empty"], bare, deadline, "an empty CIB")
    path.unlink(missing_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write(empty)  # owner-only from the start: it will hold the fence devices' passwords
    for name, value in plan.properties.items():
        argv = ["crm_attribute", "--type", "crm_config", "--name", name, "--update", value]
        _checked(argv, env, deadline, f"property {name}")
    if plan.topology:  # the empty CIB has no such section yet
        argv = ["cibadmin", "--create", "-o", "configuration"]
        _checked(argv, env, deadline, "the fencing-topology section", "<fencing-topology/>")
    for section, elements in (
        ("resources", plan.resources),
        ("constraints", plan.constraints),
        ("fencing-topology", plan.topology),
    ):
        _add_section(section, elements, env, deadline)
    out = _run(["crm_verify", "-x", str(path)], bare, deadline)
    if out.returncode != 0:
        out = _run(["crm_verify", "-V", "-x", str(path)], bare, deadline)  # -V says what is wrong
        raise CibError(f"crm_verify rejects {path.name}: {_complaint(out)}")
    # Node entries (their utilization) go in after the check: with nodes but no status section crm_verify
    # warns that every node is unclean (never seen), which is about state, not configuration. cibadmin
    # still checks them against the schema.
    _add_section("nodes", plan.nodes, env, deadline)


def _add_section(section: str, elements: list[str], env: dict[str, str], deadline: float) -> None:
    """All of a section's elements in one ``cibadmin --replace`` (one call, not one per element); when
    cibadmin refuses that, which changes nothing, each element is created on its own to name the one
    it refuses."""
    if not elements:
        return
    whole = f"<{section}>{''.join(elements)}</{section}>"
    if _run(["cibadmin", "--replace", "-o", section], env, deadline, whole).returncode == 0:
        return
    for element in elements:
        what = f"{section} element {_head(element)}"
        _checked(["cibadmin", "--create", "-o", section], env, deadline, what, element)
    raise CibError(f"cibadmin refused the {section} section as a whole, but each of its elements alone")


def _head(element: str) -> str:
    """``<primitive id="nps" ...`` -> ``primitive nps`` (never the attributes: they hold passwords)."""
    tag = element[1:].split(" ", 1)[0].rstrip(">")
    marker = 'id="'
    start = element.find(marker)
    ident = element[start + len(marker) : element.find('"', start + len(marker))] if start >= 0 else "?"
    return f"{tag} {ident}"
