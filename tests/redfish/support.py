"""Helpers for the Redfish tests: the emulator's config, our agent as a process, the stock agent.

No tests here. Passwords reach our agent through ``--password-script`` (never argv); every run has a deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.agent_run import AgentResult, password_script, run_agent
from harness.pytest_plugin import Emulator

USERS = {
    "admin": {"password": "adm1n-Secret", "role": "Administrator"},
    "oper": {"password": "0per-Secret", "role": "Operator"},
    "viewer": {"password": "v1ewer-Secret", "role": "ReadOnly"},
}
RUN_DEADLINE = 30.0


def config(**extra: Any) -> dict[str, Any]:
    return {"users": USERS, **extra}


def agent_args(bmc: Emulator, user: str = "admin", password: str | None = None) -> list[str]:
    secret = USERS[user]["password"] if password is None else password
    return ["-a", bmc.host, "-u", str(bmc.port("https")), "-l", user, "-S", password_script(secret)]


def ours(
    bmc: Emulator, *args: str, user: str = "admin", password: str | None = None, timeout: float = RUN_DEADLINE
) -> AgentResult:
    """Our fence_redfish against ``bmc`` (certificate not checked unless the test says otherwise)."""
    extra = [] if "--ssl-secure" in args else ["--ssl-insecure"]
    argv = [*agent_args(bmc, user, password), *extra, *(a for a in args if a != "--ssl-secure")]
    return run_agent("fence_redfish", argv, timeout=timeout, secrets=[u["password"] for u in USERS.values()])


def by_stdin(bmc: Emulator, lines: Mapping[str, str], timeout: float = RUN_DEADLINE) -> AgentResult:
    text = "".join(f"{k}={v}\n" for k, v in lines.items())
    return run_agent("fence_redfish", [], stdin=text, timeout=timeout)


def system(bmc: Emulator, sid: str) -> dict[str, Any]:
    state = bmc.control({"cmd": "state"})
    found = next(s for s in state["systems"] if s["id"] == sid)
    return dict(found)


def error_line(result: AgentResult) -> str:
    """The one error line an agent logged (it must be exactly one)."""
    lines = [line for line in result.error_lines if "WARNING" not in line]
    assert len(lines) == 1, result.err
    return lines[0]


def stock_argv(tool: str, bmc: Emulator, *args: str, password: str | None = None) -> list[str]:
    """The stock agent's command line (password through -S, as for ours)."""
    secret = USERS["admin"]["password"] if password is None else password
    return [tool, *agent_args(bmc, "admin", secret), "--ssl-insecure", *args]
