"""``fencelab bench san``: our switch's SNMP agent against snmpsim; our fence_ifmib against the stock one.

1. Agent throughput: sequential GET and SET (ifAdminStatus) requests per second from one v2c client (pysnmp's
   message API, the same client for both agents), against our switch (``fencelab emulate san``) and against
   snmpsim serving a comparable record set (system group, ifTable, ifXTable; ifAdminStatus writable through
   its writecache variation module). Goal: ours >= snmpsim.
2. Agent wall time: our fence_ifmib against the stock one (which runs net-snmp programs) for status, off
   and on against our switch; the port is put in the opposite state before each timed off/on run.
   Goal: ours <= 0.5x stock.
Needs snmpsim (``pip install snmpsim pysmi``) and the stock fence_ifmib (Debian fence-agents).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from fence_agents.transports.snmp import CommunitySession, SnmpTarget
from harness.bench.install import Install, add_bench_options, bench_install
from harness.bench.report import report
from harness.bench.timing import Paired, Side, time_pair
from harness.one_line_parser import OneLineParser
from harness.tools import stock_tool

IF_ADMIN = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7)
PORTS = 8
STARTUP_DEADLINE = 20.0
AGENT_GOAL = 0.5  # fence_ifmib ours/stock, paired ratio, at most


def snmprec(ports: int) -> str:
    """snmpsim records like our switch serves (the record file's name is the community)."""
    rows = [
        "1.3.6.1.2.1.1.1.0|4|Fibre Channel Switch (snmpsim)",
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.1588.2.1.1.1",
        "1.3.6.1.2.1.1.3.0|67|100",
        "1.3.6.1.2.1.1.5.0|4|sw0",
        f"1.3.6.1.2.1.2.1.0|2|{ports}",
    ]
    columns = [
        (1, "2", lambda i: str(i)),
        (2, "4", lambda i: f"port{i}"),
        (3, "2", lambda i: "56"),
        (7, "2:writecache", lambda i: "value=1"),
        (8, "2", lambda i: "1"),
    ]
    for column, tag, value in columns:
        rows += [f"1.3.6.1.2.1.2.2.1.{column}.{i}|{tag}|{value(i)}" for i in range(1, ports + 1)]
    rows += [f"1.3.6.1.2.1.31.1.1.1.18.{i}|4|node{i}" for i in range(1, ports + 1)]
    return "\n".join(rows) + "\n"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_answering(port: int, community: str) -> None:
    session = CommunitySession(SnmpTarget("127.0.0.1", port, "2c", community, timeout=0.5, retries=0))
    deadline = time.monotonic() + STARTUP_DEADLINE
    try:
        while True:
            try:
                session.get(IF_ADMIN + (1,))
                return
            except Exception:  # noqa: BLE001 - not listening yet: try again until the deadline
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no SNMP agent answering on port {port}") from None
    finally:
        session.close()


def start_snmpsim(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    data = workdir / "data"
    data.mkdir()
    (data / "sw0.snmprec").write_text(snmprec(PORTS))
    port = free_udp_port()
    argv = [
        str(Path(sys.executable).parent / "snmpsim-command-responder"),
        f"--data-dir={data}",
        f"--cache-dir={workdir / 'cache'}",
        f"--agent-udpv4-endpoint=127.0.0.1:{port}",
        "--logging-method=null",
    ]
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wait_answering(port, "sw0")
    return proc, port


def start_ours(workdir: Path) -> tuple[subprocess.Popen[str], int]:
    flags = ["--telnet-port", "off", "--ssh-port", "off", "--pdu-port", "off", "--nbd-port", "off"]
    argv = [sys.executable, "-m", "harness.cli", "emulate", "san", *flags, "--state-dir", str(workdir)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], STARTUP_DEADLINE)
    if not ready:
        proc.kill()
        raise TimeoutError("fencelab emulate san printed no ready line")
    info = json.loads(proc.stdout.readline())
    return proc, int(info["ports"]["snmp"])


def rates(ours: int, sim: int, count: int, op: str, chunk: int = 50) -> tuple[float, float]:
    """Sequential requests per second against each agent, one outstanding request at a time. The two agents
    take turns in chunks, so a busy machine slows both alike rather than whichever ran second."""
    oid = IF_ADMIN + (1,)
    sessions = [
        CommunitySession(SnmpTarget("127.0.0.1", ours, "2c", "private", timeout=2.0, retries=0)),
        CommunitySession(SnmpTarget("127.0.0.1", sim, "2c", "sw0", timeout=2.0, retries=0)),
    ]
    spent = [0.0, 0.0]
    try:
        for first in range(0, count, chunk):
            for which, session in enumerate(sessions):
                start = time.perf_counter()
                for i in range(first, min(first + chunk, count)):
                    if op == "get":
                        session.get(oid)
                    else:
                        session.set_int(oid, 2 if i % 2 == 0 else 1)
                spent[which] += time.perf_counter() - start
    finally:
        for session in sessions:
            session.close()
    return count / spent[0], count / spent[1]


def set_port(port: int, value: int) -> Callable[[], None]:
    def apply() -> None:
        session = CommunitySession(SnmpTarget("127.0.0.1", port, "2c", "private"))
        try:
            session.set_int(IF_ADMIN + (2,), value)
        finally:
            session.close()

    return apply


def agents_rows(
    fence_ifmib: str, snmp_port: int, runs: int, stock: str
) -> list[tuple[str, Paired, float | None]]:
    """Ours and stock take turns run by run (each run preceded by the same port preparation)."""
    common = ["-a", "127.0.0.1", "-u", str(snmp_port), "-c", "private", "-n", "2"]
    rows: list[tuple[str, Paired, float | None]] = []
    for action, before in (("status", None), ("off", 1), ("on", 2)):
        prep = set_port(snmp_port, before) if before else None
        ours = Side("ours", [fence_ifmib, *common, "-o", action], before_each=prep)
        pair = time_pair(ours, Side("stock", [stock, *common, "-o", action], before_each=prep), runs)
        rows.append((action, pair, AGENT_GOAL))
    return rows


def main(argv: Sequence[str], install: Install | None = None) -> int:
    """``install``: the one to measure (``fencelab bench all``); default: from ``--venv`` or a fresh one."""
    parser = OneLineParser(prog="fencelab bench san")
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests per measurement")
    add_bench_options(parser, runs=10)
    args = parser.parse_args(list(argv))
    stock = stock_tool("fence_ifmib")
    if stock is None:
        print(
            "fencelab bench san: needs the stock fence_ifmib (apt-get install fence-agents)", file=sys.stderr
        )
        return 1
    if not (Path(sys.executable).parent / "snmpsim-command-responder").exists():
        print("fencelab bench san: needs snmpsim: pip install 'fencelab[bench]'", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="fencelab-bench-san-"))
    procs: list[subprocess.Popen[bytes] | subprocess.Popen[str]] = []
    try:
        ours_proc, ours_port = start_ours(workdir)
        procs.append(ours_proc)
        sim_proc, sim_port = start_snmpsim(workdir)
        procs.append(sim_proc)
        print(f"SNMP v2c, sequential requests ({args.requests} per figure, one client)")
        print(f"{'operation':<14} {'ours':>12} {'snmpsim':>12}   ratio (ours/snmpsim)")
        status = 0
        agent_lines = ["| operation | ours | snmpsim | ratio | goal |", "|---|---:|---:|---:|---|"]
        for op in ("get", "set"):
            mine, sim = rates(ours_port, sim_port, args.requests, op)
            status |= 0 if mine >= sim else 1
            met = "met" if mine >= sim else "**missed**"
            print(f"{op.upper():<14} {mine:9.0f} /s {sim:9.0f} /s   {mine / sim:5.2f}x  {met}")
            agent_lines.append(
                f"| {op.upper()} | {mine:.0f} /s | {sim:.0f} /s | {mine / sim:.2f}x | >= 1x: {met} |"
            )
        print()
        with bench_install(args.venv, install) as install:
            rows = agents_rows(install.tool("fence_ifmib"), ours_port, args.runs, stock)
        title = f"fence_ifmib against our switch, wall time, {args.runs} pairs; agents from {install.how}"
        before = [*agent_lines, ""] if args.write else []
        return status | report("san", argv, install, title, rows, before=before, write=args.write)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
