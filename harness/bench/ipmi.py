"""``fencelab bench ipmi``: our fence_ipmilan against the stock one (which runs ipmitool) on the same emulated
BMC, in one run; then how many new IPMI sessions per second the emulator serves.

Both agents are fed on stdin like fenced, with ``power_wait=0``; the BMC has no power-on delay. Before each
timed ``off`` the chassis is switched on (and before ``on``, off) through the emulator's control pipe, so
every run does real work. Ours runs from an install (:mod:`harness.bench.install`), alternating with the
stock agent (A B A B). Figures: median wall time per action and the median of the paired ratios.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.bench.install import Install, add_bench_options, bench_install
from harness.bench.report import report
from harness.bench.timing import Paired, Side, process_cpu_seconds, time_pair
from harness.one_line_parser import OneLineParser
from harness.tools import stock_tool

USER, PASSWORD = "admin", "bench-Secret-1"
GOALS = {"reboot": 0.25, "status": 0.6}  # ours/stock paired ratio, at most
SESSION_GOAL = 100.0  # new sessions per second

CONFIG = f"""
kind = "bmc"
power_on_delay = 0.0
users = {{ {USER} = {{ password = "{PASSWORD}", privilege = "administrator" }} }}
"""

SESSION_CLIENT = """
import sys, time
from pyghmi.ipmi.private import session
port, seconds, password = int(sys.argv[1]), float(sys.argv[2]), sys.stdin.read().strip()
done, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    s = session.Session(bmc="127.0.0.1", userid="admin", password=password, port=port, privlevel=4)
    s.raw_command(netfn=0, command=1)
    s.logout()
    session.Session.initting_sessions.clear()  # pyghmi would hand back the closed session otherwise
    done += 1
print(done, time.monotonic() - start)
"""


class Bmc:
    """Our BMC emulator as a process, with its control pipe (to set the chassis state between runs)."""

    def __init__(self, timeout: float = 20.0) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="fencelab-bench-ipmi-")
        config = Path(self.dir.name) / "bmc.toml"
        config.write_text(CONFIG)
        config.chmod(0o600)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "emulate", "bmc", "--config", str(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = self._line(timeout)
        self.port = int(ready["port"])
        self.worker_pid = int(ready["bmcs"][0]["pid"])

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the BMC's worker process has used so far (Linux /proc)."""
        return process_cpu_seconds(self.worker_pid)

    def _line(self, timeout: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.close()
            raise RuntimeError("the BMC emulator did not answer in time")
        return dict(json.loads(line))

    def request(self, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._line(10.0)

    def power(self, on: bool) -> Callable[[], None]:
        def switch() -> None:
            self.request(cmd="power", on=on)

        return switch

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.dir.cleanup()


def stdin_for(port: int, action: str) -> str:
    lines = [
        "ip=127.0.0.1",
        f"ipport={port}",
        f"username={USER}",
        f"password={PASSWORD}",
        f"action={action}",
    ]
    lines += ["power_wait=0", "lanplus=1"]
    return "\n".join(lines) + "\n"


def expected(action: str) -> Callable[[subprocess.CompletedProcess[str]], bool]:
    words = {"status": "Status: ON", "off": "Success: Powered OFF", "on": "Success: Powered ON",
             "reboot": "Success: Rebooted"}  # fmt: skip
    return lambda proc: proc.returncode == 0 and words[action] in proc.stdout


def time_agents(bmc: Bmc, ours: str, stock: str, runs: int) -> list[tuple[str, Paired, float | None]]:
    """Ours and stock alternate run by run (so load on a shared machine hits both alike), after one
    unmeasured warm-up pair."""
    before = {
        "status": bmc.power(True),
        "off": bmc.power(True),
        "on": bmc.power(False),
        "reboot": bmc.power(True),
    }
    rows = []
    for action in ("status", "off", "on", "reboot"):
        stdin, ok, prepare = stdin_for(bmc.port, action), expected(action), before[action]
        pair = time_pair(
            Side("ours", [ours], stdin, ok, prepare), Side("stock", [stock], stdin, ok, prepare), runs
        )
        rows.append((action, pair, GOALS.get(action)))
    return rows


def sessions_per_second(port: int, clients: int, seconds: float) -> tuple[float, int]:
    """New RMCP+ sessions per second (login, one command, logout) from ``clients`` client processes."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(SESSION_CLIENT), str(port), str(seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(clients)
    ]
    total, longest = 0, 0.0
    for proc in procs:
        out, _ = proc.communicate(PASSWORD, timeout=seconds + 30)
        done, elapsed = out.split()
        total += int(done)
        longest = max(longest, float(elapsed))
    return (total / longest if longest else 0.0), total


def main(argv: Sequence[str], install: Install | None = None) -> int:
    """``install``: the one to measure (``fencelab bench all``); default: from ``--venv`` or a fresh one."""
    parser = OneLineParser(prog="fencelab bench ipmi")
    add_bench_options(parser, runs=10)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of the session-rate test")
    parser.add_argument("--clients", type=int, default=2, help="client processes in the session-rate test")
    args = parser.parse_args(list(argv))
    stock = stock_tool("fence_ipmilan")
    if stock is None or stock_tool("ipmitool") is None:
        print(
            "stock fence_ipmilan or ipmitool missing: apt-get install fence-agents ipmitool", file=sys.stderr
        )
        return 1
    with bench_install(args.venv, install) as install:
        bmc = Bmc()
        try:
            rows = time_agents(bmc, install.tool("fence_ipmilan"), stock, args.runs)
            cpu_before, opened_before = bmc.cpu_seconds(), bmc.request(cmd="state")["logins"]
            rate, total = sessions_per_second(bmc.port, args.clients, args.seconds)
            counted = bmc.request(cmd="state")["logins"] - opened_before
            cpu_per_session = (bmc.cpu_seconds() - cpu_before) / max(1, counted)
        finally:
            bmc.close()
    rate_met = "met" if rate >= SESSION_GOAL else "**missed**"
    how = f"{total} logins by {args.clients} pyghmi clients in {args.seconds:g} s; BMC counted {counted}"
    capacity = 1 / cpu_per_session if cpu_per_session else float("inf")
    after = [
        f"BMC emulator: {rate:.0f} new IPMI sessions/s ({how}); goal >= {SESSION_GOAL:g}/s: {rate_met}.",
        f"BMC emulator CPU per new session: {cpu_per_session * 1000:.2f} ms"
        f" (~{capacity:.0f} sessions/s on one core).",
    ]
    title = (
        f"fence_ipmilan, ours vs stock ({stock} + ipmitool), same emulated BMC, power_wait 0, {args.runs}"
        f" pairs (stdin, as fenced); agents from {install.how}"
    )
    status = report("ipmi", argv, install, title, rows, after=after, write=args.write)
    return status | (0 if rate >= SESSION_GOAL else 1)
