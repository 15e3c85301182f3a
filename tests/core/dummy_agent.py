"""A test double for the framework only: an in-memory device, a simulated clock, and a file-backed agent.

``MemoryDevice`` + ``FakeClock`` drive ``fence_agents.main.run`` in process (simulated time).
Run as a program (``python tests/core/dummy_agent.py``) it is ``fence_dummylab``: a real process whose
device state lives in a JSON file given by ``--state-file``/``state_file=``, so subprocess tests can check
input handling, output, exit codes and redaction the way fenced would see them.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from fence_agents.device import Device, PowerState
from fence_agents.errors import ConnectError, LoginError, NotSupported, PlugNotFound
from fence_agents.main import run
from fence_agents.request import Request
from fence_agents.spec import AgentSpec, Option, OptType

log = logging.getLogger("fence_agents.dummy")
library_log = logging.getLogger("dummy_library")  # stands for a library the agent uses


@dataclass
class FakeClock:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if seconds > 0:
            self.now += seconds


@dataclass
class MemoryDevice(Device):
    """Plugs switch ``switch_delay`` simulated seconds after a set; ``stuck`` plugs never switch."""

    clock: FakeClock
    plugs: dict[str, PowerState] = field(default_factory=lambda: {"1": PowerState.ON, "2": PowerState.ON})
    switch_delay: float = 0.0
    stuck: set[str] = field(default_factory=set)
    fail_on_after_off: bool = False  # set_power(ON) raises once an OFF was done (reboot's on half)
    can_cycle: bool = True
    calls: list[tuple[str, ...]] = field(default_factory=list)
    pending: dict[str, tuple[float, PowerState]] = field(default_factory=dict)

    def _settle(self) -> None:
        for plug, (when, state) in list(self.pending.items()):
            if when <= self.clock.now:
                self.plugs[plug] = state
                del self.pending[plug]

    def login(self) -> None:
        self.calls.append(("login", f"{self.clock.now:g}"))

    def get_power(self, plug: str | None) -> PowerState:
        key = plug or "1"
        self.calls.append(("get", key))
        self._settle()
        if key not in self.plugs:
            raise PlugNotFound()
        return self.plugs[key]

    def set_power(self, plug: str | None, state: PowerState) -> None:
        key = plug or "1"
        self.calls.append(("set", key, state.name))
        if key not in self.plugs:
            raise PlugNotFound()
        if state is PowerState.ON and self.fail_on_after_off and ("set", key, "OFF") in self.calls:
            raise ConnectError("Connection lost")
        if key not in self.stuck:
            self.pending[key] = (self.clock.now + self.switch_delay, state)
            self._settle()

    def list_plugs(self) -> dict[str, str]:
        return {p: f"node{p}" for p in self.plugs}

    def cycle(self, plug: str | None) -> None:
        if not self.can_cycle:
            raise NotSupported("cycle")
        self.calls.append(("cycle", plug or "1"))

    def logout(self) -> None:
        self.calls.append(("logout",))


def memory_spec(device: Device, **overrides: object) -> AgentSpec:
    """An agent over one prepared device (plug agent by default; override uses/fabric/... as needed)."""
    fields: dict[str, object] = dict(
        name="fence_memory",
        shortdesc="Fence agent for an in-memory test device",
        longdesc="fence_memory exists only in the framework's tests.",
        vendor_url="https://example.invalid/fencelab",
        connect=lambda request: device,
        uses=("ipaddr", "login", "passwd", "port", "secure", "cmd_prompt", "method"),
    )
    fields.update(overrides)
    return AgentSpec(**fields)  # type: ignore[arg-type]


# --- the file-backed agent, for real-process tests ---------------------------------------------------


class FileDevice(Device):
    """State in a JSON file: {"password": "...", "plugs": {"1": "on", ...}}."""

    def __init__(self, request: Request) -> None:
        self.path = request.str("state_file") or ""
        self.request = request

    def _load(self) -> dict[str, object]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data: dict[str, object] = json.load(f)
        except OSError:
            raise ConnectError() from None
        return data

    def _plugs(self) -> dict[str, str]:
        plugs = self._load()["plugs"]
        assert isinstance(plugs, dict)
        return plugs

    def login(self) -> None:
        password = self.request.password
        if password:
            self._record_argv_leaks(password.reveal())
        # deliberately careless, like a library that logs what it sends: masking must catch this
        library_log.debug("login: sending password %s", password.reveal() if password else "")
        print(f"library noise: {password.reveal() if password else ''}", file=sys.stderr)  # a stray print
        if (password.reveal() if password else "") != self._load().get("password", ""):
            raise LoginError()

    def _record_argv_leaks(self, secret: str) -> None:
        """Note every process whose command line holds the password right now (there must be none)."""
        leaks = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if secret.encode() in f.read():
                        leaks.append(pid)
            except OSError:
                continue
        data = self._load()
        data["argv_leaks"] = leaks
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(data, f)

    def get_power(self, plug: str | None) -> PowerState:
        state = self._plugs().get(plug or "1")
        if state is None:
            raise PlugNotFound()
        return PowerState(state)

    def set_power(self, plug: str | None, state: PowerState) -> None:
        data = self._load()
        plugs = data["plugs"]
        assert isinstance(plugs, dict)
        plugs[plug or "1"] = state.value
        with open(self.path, "w", encoding="utf-8") as f:
            json.dump(data, f)

    def list_plugs(self) -> dict[str, str]:
        return {p: f"node{p}" for p in self._plugs()}

    def logout(self) -> None:
        log.debug("logout")


FILE_SPEC = AgentSpec(
    name="fence_dummylab",
    shortdesc="Fence agent for a JSON file pretending to be a power switch",
    longdesc="fence_dummylab exists only in the framework's tests.",
    vendor_url="https://example.invalid/fencelab",
    connect=FileDevice,
    uses=("ipaddr", "login", "passwd", "port", "secure"),
    options=(
        Option("state_file", "state-file", None, OptType.STRING, shortdesc="JSON state", metavar="path"),
    ),
    required=("passwd",),
    defaults={"stonith_status_sleep": "0.05", "power_timeout": "2"},
)

main: Callable[[], int] = lambda: run(FILE_SPEC)  # noqa: E731

if __name__ == "__main__":
    raise SystemExit(main())
