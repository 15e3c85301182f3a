"""``fencelab bench nps_sessions``: one NPS emulator (multi-session) holding many concurrent telnet sessions.

Starts ``fencelab emulate nps`` as its own process, logs N telnet sessions in at once, then every session runs
``/S`` R times back to back (all sessions concurrently); prints the latency of each ``/S`` (send -> prompt):
p50, p90, p99, max, and the aggregate rate. ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from collections.abc import Sequence
from typing import Any

from harness.one_line_parser import OneLineParser
from harness.pytest_plugin import start_emulator

PROMPT = b"NPS> "


async def _read_until(reader: asyncio.StreamReader, marker: bytes, timeout: float) -> bytes:
    # Telnet commands from the server (IAC WILL ECHO/SGA) need no answer: the prompt is all we look for.
    return await asyncio.wait_for(reader.readuntil(marker), timeout)


async def _session(
    host: str, port: int, password: str, rounds: int, start: asyncio.Barrier, timeout: float, pacing: float
) -> list[float]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, limit=1 << 20), timeout)
    try:
        await _read_until(reader, b"Password: ", timeout)
        writer.write(password.encode() + b"\r\n")
        await _read_until(reader, PROMPT, timeout)
        await asyncio.wait_for(start.wait(), timeout)
        latencies = []
        loop = asyncio.get_running_loop()
        first = loop.time() + random.uniform(0, pacing)  # paced sessions spread over one interval
        for i in range(rounds):
            if pacing:
                await asyncio.sleep(max(0.0, first + i * pacing - loop.time()))
            began = time.perf_counter()
            writer.write(b"/S\r\n")
            table = await _read_until(reader, PROMPT, timeout)
            latencies.append(time.perf_counter() - began)
            if b"Plug |" not in table:
                raise RuntimeError("unexpected answer to /S")
        writer.write(b"/X\r\n")
        return latencies
    finally:
        writer.close()


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


async def measure(
    host: str, port: int, password: str, sessions: int, rounds: int, timeout: float, pacing: float = 0.0
) -> dict[str, Any]:
    """pacing 0: closed loop, each session sends /S as soon as the last answer came (saturation);
    pacing > 0: each session sends one /S every ``pacing`` seconds (an offered load of sessions/pacing)."""
    start = asyncio.Barrier(sessions + 1)  # every session logged in before the clock starts
    tasks = [
        asyncio.create_task(_session(host, port, password, rounds, start, timeout, pacing))
        for _ in range(sessions)
    ]
    await asyncio.wait_for(start.wait(), timeout)
    began = time.perf_counter()
    results = await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    latencies = [x for per_session in results for x in per_session]
    ms = [x * 1000 for x in latencies]
    return {
        "sessions": sessions,
        "pacing_s": pacing,
        "rounds": rounds,
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "requests_per_s": round(len(ms) / elapsed, 1),
        "wall_s": round(elapsed, 3),
    }


def _describe(r: dict[str, Any]) -> str:
    mode = (
        "closed loop (saturation)"
        if not r["pacing_s"]
        else f"paced, one /S per session every {r['pacing_s']} s"
    )
    return (
        f"{r['sessions']} sessions x {r['rounds']} /S, {mode}: {r['requests']} requests in {r['wall_s']} s "
        f"({r['requests_per_s']}/s)\n  /S latency p50 {r['p50_ms']} ms  p90 {r['p90_ms']} ms  "
        f"p99 {r['p99_ms']} ms  max {r['max_ms']} ms"
    )


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench nps_sessions", description=__doc__)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20, help="/S commands per session and phase")
    parser.add_argument(
        "--pacing", type=float, default=0.25, help="seconds between /S of one session (paced)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="deadline for any one step (s)")
    parser.add_argument("--json", action="store_true", help="one JSON object per phase")
    args = parser.parse_args(list(argv))
    if args.sessions < 1 or args.rounds < 1 or args.pacing <= 0:
        parser.error("--sessions and --rounds must be >= 1, --pacing > 0")
    device = start_emulator("nps", config={"relay_delay": 0, "ssh_port": False})
    host, port, password = device.host, device.port("telnet"), device.credentials["password"]
    results = []
    try:
        for pacing in (args.pacing, 0.0):
            r = asyncio.run(measure(host, port, password, args.sessions, args.rounds, args.timeout, pacing))
            results.append(r)
    except (OSError, TimeoutError, RuntimeError, asyncio.IncompleteReadError) as err:
        print(f"fencelab bench nps_sessions: {type(err).__name__}: {err}")
        return 1
    finally:
        device.stop()
    for r in results:
        print(json.dumps(r) if args.json else _describe(r))
    return 0
