"""What the benchmarks measure: our agents as a user installs them, not the editable checkout.

By default a bench builds this checkout's wheel (``pip wheel``), installs it with its dependencies into a
fresh virtual environment (pip byte-compiles every module, as for any user), runs the agents from its
``bin/`` and removes it afterwards. ``--venv PATH`` names an install to use instead: an existing venv with
fencelab in it is used as it is (so a user can measure their own install); a PATH that does not exist yet
is created as above and kept, so the next run can reuse it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900.0  # seconds; a first install downloads the dependencies


class InstallError(RuntimeError):
    """The wheel or the venv could not be made (the message says which command failed)."""


@dataclass(frozen=True)
class Install:
    """A venv with fencelab installed; ``how`` says where it came from (for the report)."""

    venv: Path
    how: str

    def tool(self, name: str) -> str:
        path = self.venv / "bin" / name
        if not path.exists():
            raise InstallError(f"{path} missing: is fencelab installed in {self.venv}?")
        return str(path)

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")


def add_bench_options(parser: argparse.ArgumentParser, runs: int) -> None:
    """The options every bench takes: --runs, --venv (which install) and --write (into BENCHMARKS.md)."""
    parser.add_argument("--runs", type=int, default=runs, help=f"measured runs per figure (default {runs})")
    parser.add_argument(
        "--venv",
        metavar="PATH",
        help="measure the fencelab installed in this venv (created from this checkout's wheel if missing);"
        " default: a fresh venv built from the wheel and removed afterwards",
    )
    parser.add_argument(
        "--write", action="store_true", help="write the figures into docs/BENCHMARKS.md, with the command"
    )


def command_line(what: str, argv: Sequence[str]) -> str:
    """The command that produced a figure, as a user would type it (the venv path is the user's own)."""
    shown = [a for a in argv if a != "--write"]
    return " ".join(["fencelab bench", what, *shown])


def _run(argv: list[str], what: str) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the install must byte-compile, as any user's does
    done = subprocess.run(argv, capture_output=True, text=True, timeout=BUILD_TIMEOUT, env=env, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise InstallError(f"{what} failed (exit {done.returncode}): {last[0]}")


def build_wheel(out: Path, source: Path = ROOT) -> Path:
    """This checkout's wheel (no dependencies), built by pip in an isolated build environment from a clean
    copy of the tree: setuptools' build/ directory keeps files deleted from the source, which would
    otherwise end up in the wheel (and no build/ is left in the checkout)."""
    clean = out / "source"
    junk = shutil.ignore_patterns(".git", ".venv", ".tox", "build", "dist", "*.egg-info", "__pycache__")
    shutil.copytree(source, clean, ignore=junk)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(clean)],
        "building the wheel",
    )
    wheels = sorted(out.glob("fencelab-*.whl"))
    if not wheels:
        raise InstallError(f"building the wheel left no fencelab-*.whl in {out}")
    return wheels[-1]


def create_venv(venv: Path, wheel: Path) -> Install:
    """A new venv at ``venv`` with ``wheel`` and its dependencies installed by pip (byte-compiled)."""
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(venv)], "creating the venv")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], "installing the wheel")
    return Install(venv, f"a fresh venv with {wheel.name}")


def _has_fencelab(venv: Path) -> bool:
    return (venv / "bin" / "python").exists() and (venv / "bin" / "fence_ipmilan").exists()


@contextmanager
def bench_install(venv: str | None, given: Install | None = None) -> Iterator[Install]:
    """The install to measure (see the module docstring): ``given`` (``fencelab bench all`` builds one for
    every bench), the one in ``venv``, or a new one; a temporary one is removed when done."""
    if given is not None:
        yield given
        return
    if venv and _has_fencelab(Path(venv)):
        yield Install(Path(venv).resolve(), f"the install in {venv}")
        return
    if not (ROOT / "pyproject.toml").exists():  # fencelab runs from a user's install: measure that one
        running = Path(sys.prefix)
        if venv or not _has_fencelab(running):
            raise InstallError(
                f"no source tree to build a wheel from (fencelab is installed in {running}); "
                "give --venv an existing install"
            )
        yield Install(running, f"the running install in {running}")
        return
    scratch = Path(tempfile.mkdtemp(prefix="fencelab-bench-"))
    try:
        wheel = build_wheel(scratch / "dist")
        target = Path(venv).resolve() if venv else scratch / "venv"
        made = create_venv(target, wheel)
        yield made if not venv else Install(target, f"{made.how} (kept in {venv})")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
