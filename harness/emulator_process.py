"""Start emulated devices as separate processes (``fencelab emulate <kind>``) and talk to them.

Used by the pytest fixtures, the demo and the benchmarks. A device runs exactly as a user would run it;
``start_emulator`` waits (with a deadline) for its JSON ready line, ``Emulator.stop`` sends SIGTERM and waits.
Credentials travel in a private config file, never in the device's argv.
"""

from __future__ import annotations

import json
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# -- TOML writing (tomllib only reads): every value inline, which covers device configs --------------------
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def to_toml(config: Mapping[str, Any]) -> str:
    return "".join(f"{_toml_key(str(k))} = {_toml_value(v)}\n" for k, v in config.items())


class Emulator:
    """A running device process and the facts of its ready line."""

    def __init__(self, kind: str, proc: subprocess.Popen[str], info: dict[str, Any], workdir: str) -> None:
        self.kind = kind
        self.proc = proc
        self.info = info
        self.workdir = workdir
        self.host: str = info.get("host", "127.0.0.1")
        self.ports: dict[str, int] = dict(info.get("ports", {}))
        self.serial: str | None = info.get("serial")
        self.credentials: dict[str, Any] = dict(info.get("credentials", {}))
        self.plugs: list[dict[str, Any]] = list(info.get("plugs", []))
        self.pid: int = int(info.get("pid", proc.pid))
        self.log_text = ""  # stderr, kept at stop()
        self.stopped = False

    def port(self, name: str) -> int:
        return self.ports[name]

    def control(self, request: Mapping[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        """Send one run-time control request (JSON line on the device's stdin), return its JSON answer:
        ``{"cmd": "fault", "fault": {"kind": "hang"}}``, ``{"cmd": "clear-faults"}``, ``{"cmd": "state"}``,
        NPS: ``{"cmd": "power", "plug": "1", "on": False}``."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(f"{self.kind} did not answer {request!r} within {timeout}s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.kind} exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def log(self) -> str:
        """What the device wrote to stderr so far (for failure messages)."""
        try:
            return (Path(self.workdir) / "stderr.log").read_text()
        except OSError:
            return ""

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, wait for a clean exit (SIGKILL after ``timeout``); returns the exit status. Idempotent."""
        if self.stopped:
            return self.proc.returncode
        self.stopped = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self.log_text = self.log()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.proc.returncode

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Emulator {self.kind} pid={self.pid} ports={self.ports} serial={self.serial}>"


def emulate_command(kind: str, args: Sequence[str] = ()) -> list[str]:
    return [sys.executable, "-m", "harness.cli", "emulate", kind, *args]


def start_emulator(
    kind: str,
    config: Mapping[str, Any] | None = None,
    args: Sequence[str] = (),
    timeout: float = 10.0,
    prefix: Sequence[str] = (),
) -> Emulator:
    """Start ``fencelab emulate <kind>`` as a process and wait (at most ``timeout`` s) for its ready line.
    ``prefix`` runs it elsewhere (``ip netns exec HUB``: the device network of a machine lab)."""
    workdir = tempfile.mkdtemp(prefix=f"fencelab-{kind}-")
    argv = list(args)
    if config is not None:
        path = Path(workdir) / f"{kind}.toml"
        path.write_text(to_toml(config))
        path.chmod(0o600)
        argv = ["--config", str(path), *argv]
    errlog = Path(workdir) / "stderr.log"
    with open(errlog, "w") as err:
        proc = subprocess.Popen(
            [*prefix, *emulate_command(kind, argv)],
            stdout=subprocess.PIPE,
            stderr=err,
            stdin=subprocess.PIPE,
            text=True,
        )
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    line = ""
    while not line.endswith("\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
        if not ready:
            proc.kill()
            proc.wait()
            shutil.rmtree(workdir, ignore_errors=True)
            raise TimeoutError(f"emulator {kind} not ready within {timeout}s")
        chunk = proc.stdout.readline()
        if not chunk:
            proc.wait(timeout=5)
            message = errlog.read_text().strip().splitlines()
            shutil.rmtree(workdir, ignore_errors=True)
            raise RuntimeError(f"emulator {kind} exited {proc.returncode}: {message[-1] if message else ''}")
        line += chunk
    return Emulator(kind, proc, json.loads(line), workdir)
