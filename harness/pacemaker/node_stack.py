"""The program a Pacemaker lab node's power runs: give the machine its own cluster files, then Corosync and
Pacemaker, in the foreground, until the power goes (or a stop is asked).

``python -m harness.pacemaker.node_stack SETUP.json`` runs inside the node machine, after machine_init (its
private mount namespace and tmpfs /run). The setup file (written by harness.pacemaker.lab) says:

- ``binds``: host directory -> path in the node. The node's /etc/corosync, /var/lib/corosync,
  /var/log/corosync, /var/lib/pacemaker and /var/log/pacemaker are per-node directories of the lab, so a
  rebooted node keeps its CIB and its logs, and no node touches the host's. /dev/shm stays the host's: libqb
  names its ring buffers with mkdtemp there, and the client tools (crm_mon, stonith_admin) find them.
- ``overlays``: directory in the node -> lab directories laid over it (read-only overlayfs, the lab's files
  first): our fence agents appear in the node's /usr/sbin, where the fencer looks, and the conf's scripts in
  its /etc/init.d, while the host's directories stay as they are for everyone else.
- ``env``: Pacemaker's PCMK_* settings; ``timeout``: seconds Corosync has to answer.

Then ``corosync -f``; when ``corosync-quorumtool -s`` answers, ``pacemakerd``. When either exits the other
is stopped and the node's program ends (the machine goes down with it). SIGTERM stops the stack in order:
pacemakerd, then corosync, each within its deadline, then SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

PACEMAKER_STOP = 20.0  # pacemakerd stops its daemons in ~2 s; a resource stop may take longer
COROSYNC_STOP = 10.0
QUORUM_EXIT_ANSWERED = (0, 2)  # quorate, or answering but not (yet) quorate


class StackError(RuntimeError):
    """The node's stack could not be set up or started; one line (the lab shows it with the node's logs)."""


def _mount(argv: Sequence[str]) -> None:
    done = subprocess.run(["mount", *argv], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]  # not mount's "dmesg(1) may have more"
        raise StackError(f"mount {' '.join(argv)}: {first}")


def set_up_files(binds: Mapping[str, str], overlays: Mapping[str, Sequence[str]]) -> None:
    for source, target in binds.items():
        _mount(["--bind", source, target])
    for target, layers in overlays.items():
        lower = ":".join([*layers, target])
        _mount(["-t", "overlay", "overlay", "-o", f"lowerdir={lower}", target])


def _stop(proc: subprocess.Popen[bytes] | None, deadline: float) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class Stack:
    def __init__(self, env: Mapping[str, str], timeout: float) -> None:
        self.env = {**os.environ, **env}
        self.timeout = timeout
        self.corosync: subprocess.Popen[bytes] | None = None
        self.pacemakerd: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def start(self) -> None:
        self.corosync = subprocess.Popen(["corosync", "-f"], stdin=subprocess.DEVNULL, env=self.env)
        deadline = time.monotonic() + self.timeout
        while not self._corosync_answers():
            if self.corosync.poll() is not None:
                raise StackError(f"corosync exited {self.corosync.returncode} while starting")
            if time.monotonic() > deadline:
                raise StackError(f"corosync did not answer within {self.timeout:g} s")
            if self.stopping.wait(0.05):
                return
        with self.lock:
            if not self.stopping.is_set():
                self.pacemakerd = subprocess.Popen(["pacemakerd"], stdin=subprocess.DEVNULL, env=self.env)

    @staticmethod
    def _corosync_answers() -> bool:
        try:
            done = subprocess.run(["corosync-quorumtool", "-s"], capture_output=True, timeout=5)
        except subprocess.TimeoutExpired:
            return False
        return done.returncode in QUORUM_EXIT_ANSWERED

    def wait(self) -> int:
        """Until corosync or pacemakerd exits; then the other is stopped. The first one's exit status."""
        assert self.corosync is not None
        while True:
            for proc in (self.pacemakerd, self.corosync):
                if proc is not None and proc.poll() is not None:
                    self.stop()
                    return proc.returncode
            self.stopping.wait(0.1)

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
        _stop(self.pacemakerd, PACEMAKER_STOP)
        _stop(self.corosync, COROSYNC_STOP)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m harness.pacemaker.node_stack SETUP.json", file=sys.stderr)
        return 2
    try:
        setup: dict[str, Any] = json.loads(Path(args[0]).read_text())
        set_up_files(setup.get("binds", {}), setup.get("overlays", {}))
        stack = Stack(setup.get("env", {}), float(setup.get("timeout", 30)))
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: threading.Thread(target=stack.stop, daemon=True).start())
        stack.start()
        if stack.stopping.is_set():
            stack.stop()
            return 0
        return stack.wait()
    except (StackError, OSError, ValueError) as err:
        print(f"node_stack: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
