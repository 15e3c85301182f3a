"""Measure a lab link with UDP: an echo server, and a pinger that reports each round trip (or its loss).

    python -m harness.udp_ping echo --bind ADDR [--port P]        prints "ready PORT", echoes until killed
    python -m harness.udp_ping ping HOST PORT [--count N] [--interval S] [--timeout S]
                                                                  prints one JSON line: rtts (ms, null = lost)
    python -m harness.udp_ping sink --bind ADDR                   prints "ready PORT", "got N" per probe,
                                                                  "total K" when its stdin closes
    python -m harness.udp_ping send HOST PORT [--count N]         one-way probes (one direction of a link)

Run each inside a lab machine (``ip netns exec``) to see what a network fault does to the traffic between
two nodes, with no ping binary needed. Every probe carries its sequence number, so a late answer is never
taken for the probe after it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import select
import socket
import struct
import sys
import time
from collections.abc import Sequence

PROBE = struct.Struct("!I")


def echo(bind: str, port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind, port))
    print(f"ready {sock.getsockname()[1]}", flush=True)
    while True:
        data, peer = sock.recvfrom(2048)
        with contextlib.suppress(OSError):  # EPERM: a firewall rule of this machine dropped the answer
            sock.sendto(data, peer)


def sink(bind: str, port: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((bind, port))
    print(f"ready {sock.getsockname()[1]}", flush=True)
    total = 0
    while True:
        ready, _, _ = select.select([sock, sys.stdin], [], [])
        if sys.stdin in ready and not sys.stdin.readline():
            break
        if sock in ready:
            data = sock.recv(2048)
            if len(data) == PROBE.size:
                total += 1
                print(f"got {PROBE.unpack(data)[0]}", flush=True)
    print(f"total {total}", flush=True)


def send(host: str, port: int, count: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for n in range(count):
        with contextlib.suppress(OSError):
            sock.sendto(PROBE.pack(n), (host, port))


def ping(host: str, port: int, count: int, interval: float, timeout: float) -> list[float | None]:
    """Round trips in ms (None: no answer within timeout), probes sent every `interval` s."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.connect((host, port))
    sent: dict[int, float] = {}
    rtts: dict[int, float] = {}
    start = time.monotonic()
    seq = 0
    while True:
        now = time.monotonic()
        if seq < count and now >= start + seq * interval:
            sent[seq] = now
            with contextlib.suppress(OSError):  # dropped on the way out (EPERM), or refused: lost
                sock.send(PROBE.pack(seq))
            seq += 1
            continue
        if seq >= count and (len(rtts) == count or now >= sent[count - 1] + timeout):
            break
        wake = start + seq * interval if seq < count else sent[count - 1] + timeout
        sock.settimeout(max(0.0005, wake - now))
        try:
            data = sock.recv(2048)
        except (TimeoutError, ConnectionRefusedError):
            continue
        got = time.monotonic()
        if len(data) == PROBE.size:
            (n,) = PROBE.unpack(data)
            if n in sent and n not in rtts and got - sent[n] <= timeout:
                rtts[n] = (got - sent[n]) * 1000.0
    return [rtts.get(n) for n in range(count)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.udp_ping", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--bind", default="0.0.0.0")
    e.add_argument("--port", type=int, default=0)
    p = sub.add_parser("ping")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--interval", type=float, default=0.01)
    p.add_argument("--timeout", type=float, default=1.0)
    k = sub.add_parser("sink")
    k.add_argument("--bind", default="0.0.0.0")
    k.add_argument("--port", type=int, default=0)
    d = sub.add_parser("send")
    d.add_argument("host")
    d.add_argument("port", type=int)
    d.add_argument("--count", type=int, default=20)
    args = parser.parse_args(argv)
    if args.cmd == "echo":
        echo(args.bind, args.port)
        return 0
    if args.cmd == "sink":
        sink(args.bind, args.port)
        return 0
    if args.cmd == "send":
        send(args.host, args.port, args.count)
        return 0
    rtts = ping(args.host, args.port, args.count, args.interval, args.timeout)
    print(json.dumps({"rtts": rtts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
