"""Helpers for the IPMI tests: run agents as processes, drive a BMC fleet over its control pipe.

No tests here. Passwords reach our agent through stdin or ``--password-script`` (never argv); every run
and every wait has a deadline.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from harness import waiting
from harness.agent_run import AgentResult as Result
from harness.agent_run import password_script
from harness.agent_run import run_agent as run
from harness.pytest_plugin import Emulator, start_emulator

RUN_DEADLINE = 30.0
USERS = {
    "admin": {"password": "adm1n-Secret", "privilege": "administrator"},
    "oper": {"password": "0per-Secret", "privilege": "operator"},
    "viewer": {"password": "v1ewer-Secret", "privilege": "user"},
}


def bmc_config(**extra: Any) -> dict[str, Any]:
    return {"users": USERS, **extra}


def run_agent(
    argv: Sequence[str] = (),
    stdin: str | None = None,
    tool: str = "fence_ipmilan",
    timeout: float = RUN_DEADLINE,
) -> Result:
    """Our agent (or one of its symlink names) as a process; never a traceback, never a password shown."""
    return run(tool, argv, stdin, timeout, secrets=[user["password"] for user in USERS.values()])


def target_args(host: str, port: int, user: str = "admin") -> list[str]:
    return ["-a", host, "-u", str(port), "-l", user, "-S", password_script(USERS[user]["password"])]


def by_argv(
    bmc: Emulator, *args: str, user: str = "admin", port: int | None = None, tool: str = "fence_ipmilan"
) -> Result:
    return run_agent(
        [*target_args(bmc.host, port or bmc.port("bmc1"), user), "--power-wait", "0", *args], tool=tool
    )


def status_of(port: int, *extra: str, host: str = "127.0.0.1") -> Result:
    return run_agent([*target_args(host, port), "-o", "status", *extra])


def by_stdin(bmc: Emulator, action: str, user: str = "admin", **extra: str) -> Result:
    lines = {
        "ipaddr": bmc.host,
        "ipport": str(bmc.port("bmc1")),
        "login": user,
        "passwd": USERS[user]["password"],
        "action": action,
        "power_wait": "0",
        "agent": "fence_ipmilan",  # fenced sends these too
        "nodename": "node1",
        **extra,
    }
    return run_agent(stdin="".join(f"{k}={v}\n" for k, v in lines.items()))


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a cheap condition until true (a state reached), failing after ``timeout``."""
    waiting.wait_for(what, condition, timeout)


def controlled_fleet(config: Mapping[str, Any], args: Sequence[str] = (), timeout: float = 20.0) -> Emulator:
    """``fencelab emulate bmc`` with its stdin control pipe open (stop/start/state of single BMCs through
    ``Emulator.control``); the caller stops it (``stop()`` returns the exit status)."""
    return start_emulator("bmc", config, args, timeout)


def python_client(script: str, timeout: float = 20.0) -> subprocess.CompletedProcess[str]:
    """Run a pyghmi client snippet in its own process (never client and server in one process)."""
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout)
