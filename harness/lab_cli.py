"""``fencelab lab up CONF`` / ``fencelab lab down``: a whole lab from a cluster.conf, for people and shell CI.

``up`` builds the lab (harness.lab_up), prints one JSON ready line (also written atomically to
``--ready-file``), writes ``DIR/lab.pid`` and runs until SIGTERM or SIGINT, then tears everything down.
``down`` stops the lab running in DIR and waits until it is gone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from harness.tools import pid_running

DEFAULT_DIR = "/run/fencelab/lab" if os.geteuid() == 0 else f"/tmp/fencelab-lab-{os.getuid()}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fencelab lab", description="Run a lab built from a cluster.conf.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="build the lab and run it until SIGTERM")
    up.add_argument("conf", help="the cluster.conf to build the lab from")
    up.add_argument("--dir", default=DEFAULT_DIR, help=f"lab directory (default {DEFAULT_DIR})")
    up.add_argument("--ready-file", help="also write the JSON ready line to this file (atomically)")
    up.add_argument("--loopback", action="store_true", help="nodes on 127.0.0.N, not machines (no root)")
    up.add_argument("--boot-timeout", type=float, default=60.0, help="seconds for every node to join (60)")
    up.add_argument(
        "--backend",
        choices=("bundled", "pacemaker"),
        default="bundled",
        help="the cluster stack the nodes run: fencelab's own (bundled) or Corosync + Pacemaker (root)",
    )
    down = sub.add_parser("down", help="stop the lab running in a directory")
    down.add_argument("--dir", default=DEFAULT_DIR, help=f"lab directory (default {DEFAULT_DIR})")
    down.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for it to stop (30)")
    return parser


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(text)
    tmp.replace(path)


def _lab_pid(lab_dir: Path) -> int | None:
    try:
        pid = int((lab_dir / "lab.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if pid_running(pid) else None


def up(args: argparse.Namespace) -> int:
    from harness.lab_plan import LabPlanError
    from harness.lab_up import ConfLab, LabError

    lab_dir = Path(args.dir)
    running = _lab_pid(lab_dir)
    if running:
        print(f"fencelab lab: a lab (pid {running}) already runs in {lab_dir}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    lab: ConfLab
    if args.backend == "pacemaker":
        from harness.pacemaker.lab import PacemakerLab

        if args.loopback:
            print("fencelab lab: --backend pacemaker runs nodes as machines; --loopback is bundled only",
                  file=sys.stderr)  # fmt: skip
            return 2
        lab = PacemakerLab(args.conf, lab_dir, boot_timeout=args.boot_timeout)
    else:
        lab = ConfLab(
            args.conf, lab_dir, machines=False if args.loopback else None, boot_timeout=args.boot_timeout
        )
    try:
        info = lab.start()
    except (LabError, LabPlanError) as err:
        print(f"fencelab lab: {err}", file=sys.stderr)
        return 1
    for warning in info.get("warnings", []):
        print(f"fencelab lab: warning: {warning}", file=sys.stderr)
    try:
        (lab_dir / "lab.pid").write_text(f"{os.getpid()}\n")
        line = json.dumps(info)
        if args.ready_file:
            _write_atomically(Path(args.ready_file), line + "\n")
        try:
            print(line, flush=True)
        except BrokenPipeError:  # `| head -1`: the reader is gone, the lab keeps running
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        stop.wait()
    finally:
        lab.stop()
        (lab_dir / "lab.pid").unlink(missing_ok=True)
    return 0


def down(args: argparse.Namespace) -> int:
    lab_dir = Path(args.dir)
    pid = _lab_pid(lab_dir)
    if pid is None:
        print(f"fencelab lab: no lab runs in {lab_dir}", file=sys.stderr)
        return 1
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while pid_running(pid):  # not our child: poll its /proc entry until it is gone
        if time.monotonic() > deadline:
            print(f"fencelab lab: lab (pid {pid}) did not stop within {args.timeout:g} s", file=sys.stderr)
            return 1
        time.sleep(0.05)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return up(args) if args.cmd == "up" else down(args)
