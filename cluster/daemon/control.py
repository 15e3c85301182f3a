"""The node's local control socket: one JSON request per line in, one JSON reply per line out.

Tools (cman_tool, fence_tool, fence_node, fence_ack_manual, tests) find a node by its run directory
(:mod:`cluster.daemon.rundir`). This module is the tools' side and imports no asyncio (a tool's start-up
is most of its cost: 31 parallel ``cman_tool leave`` on two cores); the daemon's side is
:mod:`cluster.daemon.control_server`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

SOCKET_NAME = "control.sock"

Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ControlError(Exception):
    """The node could not be reached or refused the request; the message is one line for the user."""


class NotRunning(ControlError):
    """Nothing listens on the control socket."""


class NotAnswering(ControlError):
    """A daemon accepted the connection but gave no answer in time (stopped, or stuck)."""


def socket_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / SOCKET_NAME


def request(run_dir: str | Path, cmd: str, timeout: float = 10.0, **args: Any) -> dict[str, Any]:
    """Send one request to the node and return its reply; ControlError when it fails."""
    path = socket_path(run_dir)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except (FileNotFoundError, ConnectionRefusedError):
        raise NotRunning(f"cannot connect to the node at {path}: is it running?") from None
    except TimeoutError:
        where = Path(run_dir)
        raise NotAnswering(f"the node daemon at {where} is not answering within {timeout:g} s") from None
    except OSError as err:
        raise ControlError(f"cannot talk to the node at {path}: {err.strerror or err}") from None
    try:
        reply: dict[str, Any] = json.loads(data)
    except ValueError:
        raise ControlError(f"the node at {path} closed the connection") from None
    if not reply.get("ok"):
        raise ControlError(str(reply.get("error", "request failed")))
    return reply
