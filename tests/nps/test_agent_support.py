"""Running fence_nps as a process against an emulated NPS, the way fenced does (shared by the nps tests).

No tests here: helpers only. Every run has a deadline; stderr is checked for the one-line promise.
Passwords reach fence_nps on stdin or through ``--password-script`` (a file printing it), never in argv.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.agent_run import AgentResult as Result
from harness.agent_run import password_script, run_agent
from harness.pytest_plugin import Emulator

TRANSPORTS = ("telnet", "ssh", "serial")
RUN_DEADLINE = 60.0


def transport_args(device: Emulator, transport: str) -> list[str]:
    if transport == "telnet":
        return ["-a", device.host, "-u", str(device.port("telnet"))]
    if transport == "ssh":
        return [
            "-a",
            device.host,
            "-u",
            str(device.port("ssh")),
            "-x",
            "--ssh-options",
            "-o StrictHostKeyChecking=no",
        ]
    assert device.serial, "emulator started without a serial line"
    return ["--serial-port", device.serial]  # no address: the serial line replaces it


def transport_stdin(device: Emulator, transport: str) -> str:
    if transport == "telnet":
        return f"ipaddr={device.host}\nipport={device.port('telnet')}\n"
    if transport == "ssh":
        return f"ipaddr={device.host}\nipport={device.port('ssh')}\nsecure=1\n"
    return f"serial_port={device.serial}\nserial_speed=19200\n"


def fence_nps(argv: Sequence[str] = (), stdin: str | None = None, timeout: float = RUN_DEADLINE) -> Result:
    """Run our fence_nps to completion (argv, or stdin when argv is empty)."""
    return run_agent("fence_nps", argv, stdin, timeout)


def by_argv(device: Emulator, transport: str, *args: str, password: str = "redhat123") -> Result:
    return fence_nps([*transport_args(device, transport), "-S", password_script(password), *args])


def plug_states(device: Emulator, transport: str = "telnet") -> dict[str, str]:
    """What the device says now, read with our own list-status (plug -> ON/OFF)."""
    result = by_argv(device, transport, "-o", "list-status")
    assert result.rc == 0, result.err
    return {line.split(",")[0]: line.split(",")[2] for line in result.out.splitlines()}
