"""``fencelab install-agents`` / ``uninstall-agents``: our fence agents where Pacemaker and fenced look.

Pacemaker's fencer only runs agents from /usr/sbin, and its controller reads their metadata as the
``hacluster`` user: a wrapper whose ``#!`` names an interpreter inside root's checkout or home would fail
there. So the agents get their own virtualenv, readable by all (``--libdir``, default
/usr/local/lib/fencelab): its interpreter is a symlink to the system Python, its site-packages a copy of
fencelab and of the installed distributions fencelab needs at run time (copied from the running
environment: no network, no build). The interpreter is the system's ``/usr/bin/python3`` (``--python``), not
the one running this command, which may live in root's home (pyenv); it must be the same X.Y version, since
compiled extensions (lxml, cryptography) are copied as they are. Each agent is a small wrapper in
``<prefix>/sbin`` that runs that interpreter in isolated mode (``-I``: no PYTHONPATH, no current directory
on the path).

A stock agent is never overwritten: names the ClusterLabs fence-agents package ships (fence_ipmilan,
fence_ilo3, fence_ifmib, fence_brocade...) and any program already there that is not one of our wrappers
are installed as ``<name>_fencelab`` (the wrapper still runs the agent under its own name, so a symlink
name such as fence_ilo3 keeps its defaults). ``--replace`` installs under the stock names instead, moving
each stock program aside to ``<name>.fencelab-saved``; uninstall puts it back. Every install is checked:
each wrapper must answer ``-o metadata`` (as ``hacluster`` too when we install for the system as root).
A manifest in the libdir lists what was installed; uninstall removes exactly that and nothing it does
not own.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import importlib.metadata as metadata
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.agent_names import KEPT_ASIDE_SUFFIX, STOCK_NAMES
from harness.one_line_parser import OneLineParser

MARKER = "# fencelab agent wrapper: made by `fencelab install-agents`, removed by `fencelab uninstall-agents`"
MANIFEST = "fencelab-agents.json"
SAVED_SUFFIX = ".fencelab-saved"
SYSTEM_PREFIX = Path("/usr")
SYSTEM_LIBDIR = Path("/usr/local/lib/fencelab")
PACKAGES = ("fence_agents", "emulators", "cluster", "harness")  # the whole distribution: agents need only
# fence_agents, but one copy of everything keeps -V and the metadata honest about what is installed
CHECK_USER = "hacluster"
SYSTEM_PYTHON = Path("/usr/bin/python3")


class InstallError(Exception):
    """Why the agents could not be installed or removed; one line for the user."""


@dataclass
class Plan:
    """Where things go: wrappers in ``sbin``, the agents' virtualenv in ``libdir``."""

    sbin: Path
    libdir: Path
    replace: bool = False
    wrappers: dict[str, str] = field(default_factory=dict)  # installed path -> agent name it runs
    saved: dict[str, str] = field(default_factory=dict)  # stock program path -> where we moved it
    left: list[str] = field(default_factory=list)  # uninstall: listed, but no longer our wrapper: kept


def default_libdir(prefix: Path) -> Path:
    return SYSTEM_LIBDIR if prefix == SYSTEM_PREFIX else prefix / "lib" / "fencelab"


def agent_entry_points() -> dict[str, str]:
    """Console scripts that are fence agents: name -> ``module:function``."""
    eps = metadata.distribution("fencelab").entry_points
    return {
        ep.name: ep.value
        for ep in eps
        if ep.group == "console_scripts" and ep.value.startswith("fence_agents.")
    }


def is_our_wrapper(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return MARKER in head.splitlines()[:3]


def installed_name(name: str, sbin: Path, replace: bool) -> str:
    """The name our agent gets: its own, unless that would shadow or overwrite a stock agent."""
    target = sbin / name
    clashes = name in STOCK_NAMES or (target.exists() and not is_our_wrapper(target))
    return f"{name}{KEPT_ASIDE_SUFFIX}" if clashes and not replace else name


def wrapper_text(python: Path, name: str, entry: str) -> str:
    module, _, func = entry.partition(":")
    return (
        f"#!{python} -I\n"
        f"{MARKER}\n"
        "import sys\n"
        f"sys.argv[0] = {name!r}  # the agent's own name, whatever this file is called\n"
        f"from {module} import {func}\n"
        f"sys.exit({func}())\n"
    )


# -- the agents' virtualenv ---------------------------------------------------------------------------------
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def runtime_distributions(root: str = "fencelab") -> list[metadata.Distribution]:
    """The installed distributions ``root`` needs at run time (its requirements' closure, extras left out;
    a requirement whose marker excludes this platform is simply not installed, so it is not found)."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [req for req in metadata.distribution(root).requires or []]
    while todo:
        requirement = todo.pop()
        name_part, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        match = _NAME.match(name_part)
        if match is None:
            continue
        key = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(key)
        except metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        todo.extend(dist.requires or [])
    return list(seen.values())


def _site_packages(libdir: Path) -> Path:
    return libdir / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def _copy_distribution(dist: metadata.Distribution, site: Path) -> None:
    for rel in dist.files or []:
        if ".." in rel.parts:  # console scripts and data outside site-packages: agents do not need them
            continue
        source = Path(str(dist.locate_file(rel)))
        if source.is_file():
            target = site / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)  # mtimes kept: the copied .pyc files stay valid


def _copy_fencelab(site: Path) -> None:
    for package in PACKAGES:
        source = Path(importlib.import_module(package).__file__ or "").parent
        shutil.copytree(source, site / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compileall.compile_dir(str(site / package), quiet=1)
    info = site / f"fencelab-{metadata.version('fencelab')}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: fencelab\nVersion: {metadata.version('fencelab')}\n"
    )


def _readable_by_all(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        extra = stat.S_IRGRP | stat.S_IROTH
        if path.is_dir() or mode & stat.S_IXUSR:
            extra |= stat.S_IXGRP | stat.S_IXOTH
        os.chmod(path, (mode | extra) & ~(stat.S_IWGRP | stat.S_IWOTH))


def _check_python(python: Path) -> None:
    ours = f"{sys.version_info.major}.{sys.version_info.minor}"
    try:
        done = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except OSError as err:
        raise InstallError(f"--python {python}: {err.strerror or err}") from None
    if done.returncode != 0 or done.stdout.strip() != ours:
        found = done.stdout.strip() or "not a Python"
        raise InstallError(f"--python {python} is {found}; fencelab runs on {ours}: give a Python {ours}")


def build_libdir(libdir: Path, python: Path = SYSTEM_PYTHON) -> Path:
    """A fresh virtualenv at ``libdir`` on ``python`` holding fencelab and its run-time distributions."""
    _check_python(python)
    made = subprocess.run(
        [str(python), "-m", "venv", "--without-pip", "--clear", str(libdir)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        last = (made.stderr.strip().splitlines() or [""])[-1]
        raise InstallError(f"{python} -m venv {libdir} failed: {last}")
    site = _site_packages(libdir)
    for dist in runtime_distributions():
        _copy_distribution(dist, site)
    _copy_fencelab(site)
    _readable_by_all(libdir)
    return libdir / "bin" / "python3"


# -- install / uninstall ------------------------------------------------------------------------------------
def _check(path: Path, as_user: str | None) -> None:
    argv = [str(path), "-o", "metadata"]
    if as_user is not None:
        argv = ["runuser", "-u", as_user, "--", *argv]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd="/", check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InstallError(f"{path} does not run: {err}") from None
    if done.returncode != 0 or not done.stdout.startswith("<?xml"):
        who = f" as {as_user}" if as_user else ""
        last = (done.stderr.strip().splitlines() or ["no metadata"])[-1]
        raise InstallError(f"{path} -o metadata failed{who}: {last}")


def _check_user(sbin: Path) -> str | None:
    """Also run the checks as hacluster when installing for the system as root (Pacemaker reads metadata as
    that user); a private prefix may sit in a directory only its owner can enter."""
    if os.geteuid() != 0 or sbin != SYSTEM_PREFIX / "sbin" or shutil.which("runuser") is None:
        return None
    try:
        pwd.getpwnam(CHECK_USER)
    except KeyError:
        return None
    return CHECK_USER


def read_manifest(libdir: Path) -> Plan | None:
    try:
        data = json.loads((libdir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return Plan(Path(data["sbin"]), libdir, data.get("replace", False), data["wrappers"], data["saved"])


def _write_manifest(plan: Plan) -> None:
    data = {"sbin": str(plan.sbin), "replace": plan.replace, "wrappers": plan.wrappers, "saved": plan.saved}
    (plan.libdir / MANIFEST).write_text(json.dumps(data, indent=2) + "\n")
    os.chmod(plan.libdir / MANIFEST, 0o644)


def install(
    prefix: Path, libdir: Path | None = None, replace: bool = False, python: Path = SYSTEM_PYTHON
) -> Plan:
    """Install every agent; an earlier install in the same libdir is removed first."""
    sbin = prefix / "sbin"
    libdir = libdir or default_libdir(prefix)
    interpreter = python
    if not sbin.is_dir():
        raise InstallError(f"{sbin}: no such directory")
    if libdir.exists():
        if read_manifest(libdir) is None:
            raise InstallError(f"{libdir} exists and holds no fencelab agents: choose another --libdir")
        uninstall(libdir)
    plan = Plan(sbin, libdir, replace)
    try:
        python = build_libdir(libdir, interpreter)
        _write_manifest(plan)  # from here on, uninstall can undo a half-done install
        for name, entry in sorted(agent_entry_points().items()):
            target = sbin / installed_name(name, sbin, replace)
            if is_our_wrapper(target) and not target.read_text().startswith(f"#!{python} "):
                raise InstallError(f"{target} belongs to another fencelab install: uninstall that first")
            if target.exists() and not is_our_wrapper(target):
                saved = target.with_name(target.name + SAVED_SUFFIX)
                if saved.exists():
                    raise InstallError(f"{saved} exists: move it away first")
                os.rename(target, saved)
                plan.saved[str(target)] = str(saved)
            tmp = target.with_name(f".{target.name}.fencelab-tmp")
            tmp.write_text(wrapper_text(python, name, entry))
            os.chmod(tmp, 0o755)
            os.replace(tmp, target)
            plan.wrappers[str(target)] = name
            _write_manifest(plan)
        who = _check_user(sbin)
        for path in plan.wrappers:
            _check(Path(path), None)
            if who is not None:
                _check(Path(path), who)
    except BaseException:
        uninstall(libdir)
        raise
    return plan


def uninstall(libdir: Path) -> Plan:
    """Remove what the manifest in ``libdir`` lists (only files that are still our wrappers), put the stock
    programs we moved aside back, and remove the libdir."""
    plan = read_manifest(libdir)
    if plan is None:
        raise InstallError(f"{libdir}: no fencelab agents installed there")
    for path in plan.wrappers:
        if is_our_wrapper(Path(path)):
            Path(path).unlink()
        elif Path(path).exists():
            plan.left.append(path)  # something else (a package) put a program there since: not ours
    for original, saved in plan.saved.items():
        if Path(saved).exists() and not Path(original).exists():
            os.rename(saved, original)
    shutil.rmtree(libdir)
    return plan


# -- the commands -------------------------------------------------------------------------------------------
def _parser(prog: str, installing: bool) -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog=prog,
        description=(
            "Install fencelab's fence agents where Pacemaker and fenced look for them."
            if installing
            else "Remove the fence agents `fencelab install-agents` installed."
        ),
    )
    parser.add_argument("--prefix", default=str(SYSTEM_PREFIX), help="wrappers in PREFIX/sbin (default /usr)")
    parser.add_argument(
        "--libdir",
        help=f"the agents' virtualenv (default {SYSTEM_LIBDIR}, or PREFIX/lib/fencelab for another prefix)",
    )
    if installing:
        parser.add_argument(
            "--python",
            default=str(SYSTEM_PYTHON),
            help=f"the interpreter the agents run on, executable by every user (default {SYSTEM_PYTHON})",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="install under stock agents' names (fence_ipmilan...), moving the stock programs aside",
        )
    return parser


def _report(lines: Iterable[str]) -> None:
    for line in lines:
        print(line)


def main_install(argv: Sequence[str]) -> int:
    args = _parser("fencelab install-agents", True).parse_args(list(argv))
    prefix = Path(args.prefix).resolve()
    try:
        libdir = Path(args.libdir).resolve() if args.libdir else None
        plan = install(prefix, libdir, args.replace, Path(args.python))
    except (InstallError, OSError) as err:
        print(f"fencelab install-agents: {err}", file=sys.stderr)
        return 1
    _report(f"installed {path}" + (f" (runs {name})" if Path(path).name != name else "") for path, name in
            plan.wrappers.items())  # fmt: skip
    _report(f"moved the stock {orig} to {saved}" for orig, saved in plan.saved.items())
    print(f"agents' interpreter: {plan.libdir / 'bin' / 'python3'}; remove with: fencelab uninstall-agents"
          + ("" if prefix == SYSTEM_PREFIX else f" --prefix {prefix}"))  # fmt: skip
    return 0


def main_uninstall(argv: Sequence[str]) -> int:
    args = _parser("fencelab uninstall-agents", False).parse_args(list(argv))
    prefix = Path(args.prefix).resolve()
    libdir = Path(args.libdir).resolve() if args.libdir else default_libdir(prefix)
    try:
        plan = uninstall(libdir)
    except (InstallError, OSError) as err:
        print(f"fencelab uninstall-agents: {err}", file=sys.stderr)
        return 1
    _report(f"removed {path}" for path in plan.wrappers if path not in plan.left)
    _report(f"kept {path}: it is no longer fencelab's wrapper" for path in plan.left)
    _report(f"restored {orig}" for orig in plan.saved)
    return 0
