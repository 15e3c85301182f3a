"""PID 1 of a lab machine: set the machine up, run its program, reap orphans, forward stop signals.

``python -m harness.machine_init --hostname NAME -- PROGRAM ARGS...`` runs as the first process of a new PID,
mount and UTS namespace (see harness.machines). It mounts a private tmpfs on /run, sets the hostname, starts
the program, and reaps every process that is orphaned onto it (a real init's job: daemons that resource
agents start would otherwise stay zombies). SIGTERM/SIGINT go to the program; when the program exits, init
exits with its status and the kernel kills whatever else still runs in the machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    address = None
    if len(args) >= 2 and args[0] == "--address":  # the node's own address: a booting machine starts clean
        address, args = args[1], args[2:]
    if len(args) < 4 or args[0] != "--hostname" or args[2] != "--":
        print("usage: python -m harness.machine_init [--address A/P] --hostname NAME -- PROGRAM [ARGS...]",
              file=sys.stderr)  # fmt: skip
        return 2
    hostname, program = args[1], args[3:]
    if address is not None:
        for step in (["addr", "flush", "dev", "eth0"], ["addr", "add", address, "dev", "eth0"]):
            subprocess.run(["ip", *step], capture_output=True, timeout=10)
    run_fs = ["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", "/run"]
    mounted = subprocess.run(run_fs, capture_output=True, timeout=30)
    if mounted.returncode != 0:
        print(f"machine_init: cannot mount /run: {mounted.stderr.decode().strip()}", file=sys.stderr)
        return 1
    socket.sethostname(hostname)
    child = subprocess.Popen(program)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: child.send_signal(s))
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue
        if pid == child.pid:
            return os.waitstatus_to_exitcode(status) & 0xFF


if __name__ == "__main__":
    sys.exit(main())
