"""A packet delayer: binds an NFQUEUE queue in a network namespace and accepts each packet D ms later.

    python -m harness.nfqueue --netns NAME --queue N --delay-ms D [--jitter-ms J] [--seed S]

This kernel has no sch_netem, so delay between lab machines is made with netfilter: rules in the node's
namespace queue the packets to and from a peer (harness.netfault) and this program holds each one for D ms
(plus uniform jitter, in order: harness.delay_line), then accepts it with a batch verdict. It speaks
nfnetlink_queue over a raw NETLINK_NETFILTER socket (the encoding is harness.nfqueue_wire) in copy-meta
mode: the kernel sends the packet's id and headers only, never its bytes.

The socket is made inside the namespace (setns), then the process returns to its own: it is not one of the
node's processes, so crashing, hanging or powering off the node never stops the network's delay. Prints
``ready`` once bound; SIGTERM accepts every held packet and exits 0. Failures: one line on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from harness import nfqueue_wire as wire
from harness.delay_line import DelayLine

CLONE_NEWNET = 0x40000000
NETNS_DIR = Path("/run/netns")
RCVBUF = 4 << 20


class DelayerError(RuntimeError):
    """The queue could not be bound; one line."""


def netlink_socket_in(netns: str | None) -> socket.socket:
    """A NETLINK_NETFILTER socket of the named network namespace (the process stays in its own)."""
    if netns is None:
        return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, wire.NETLINK_NETFILTER)
    libc = ctypes.CDLL(None, use_errno=True)
    own = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        try:
            target = os.open(NETNS_DIR / netns, os.O_RDONLY)
        except OSError as err:
            raise DelayerError(f"no network namespace {netns}: {err.strerror}") from None
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise DelayerError(f"setns into {netns}: {os.strerror(ctypes.get_errno())}")
        finally:
            os.close(target)
        try:
            return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, wire.NETLINK_NETFILTER)
        finally:
            if libc.setns(own, CLONE_NEWNET) != 0:  # stuck in the node's namespace, it would die with it
                raise DelayerError(f"setns back: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(own)


class Stop(Exception):
    """SIGTERM: interrupts the wait for packets."""


class Delayer:
    def __init__(self, sock: socket.socket, queue: int, line: DelayLine) -> None:
        self.sock, self.queue, self.line = sock, queue, line
        self.seq = 0

    def _request(self, data: bytes, what: str) -> None:
        """Send a request that asks for an acknowledgement and wait for it (its errno, if any, is fatal)."""
        self.sock.send(data)
        seq = wire.messages(data)[0].seq
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                reply = self.sock.recv(65536)
            except TimeoutError:
                break
            for msg in wire.messages(reply):
                if msg.type == wire.NLMSG_ERROR and msg.seq == seq:
                    code = wire.error_code(msg)
                    if code:
                        raise DelayerError(f"{what} queue {self.queue}: {os.strerror(code)}")
                    return
        raise DelayerError(f"{what} queue {self.queue}: no answer from the kernel within 5 s")

    def bind(self) -> None:
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.bind((0, 0))
        self.seq += 1
        self._request(wire.bind(self.queue, self.seq), "bind")
        self.seq += 1
        self._request(wire.params(self.queue, self.seq, maxlen=8192, fail_open=True), "configure")

    def release(self, packet_id: int | None) -> None:
        if packet_id is not None:
            self.seq += 1
            self.sock.send(wire.verdict(self.queue, packet_id, self.seq, batch=True))

    def serve(self) -> None:
        """Hold and release packets until SIGTERM (Stop), then release every held one at once."""
        try:
            self._loop()
        except Stop:
            pass
        self.release(self.line.drain())

    def _loop(self) -> None:
        while True:
            nxt = self.line.next_release()
            wait = None if nxt is None else nxt - time.monotonic()
            if wait is not None and wait <= 0:
                self.release(self.line.due(time.monotonic()))
                continue
            self.sock.settimeout(wait)
            try:
                data = self.sock.recv(65536)
            except (TimeoutError, BlockingIOError):
                data = b""
            except InterruptedError:
                continue
            except OSError as err:
                if err.errno != errno.ENOBUFS:  # notifications lost: later batch verdicts release those too
                    raise
                data = b""
            now = time.monotonic()
            for msg in wire.messages(data) if data else []:
                if msg.subsystem == wire.NFNL_SUBSYS_QUEUE and msg.kind == wire.NFQNL_MSG_PACKET:
                    self.line.arrive(wire.packet(msg).packet_id, now)
            self.release(self.line.due(time.monotonic()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.nfqueue", description=__doc__.splitlines()[0])
    parser.add_argument("--netns", help="network namespace (under /run/netns) whose packets to delay")
    parser.add_argument("--queue", type=int, required=True, help="NFQUEUE queue number")
    parser.add_argument("--delay-ms", type=float, required=True)
    parser.add_argument("--jitter-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        line = DelayLine(args.delay_ms / 1000.0, args.jitter_ms / 1000.0, args.seed)
        delayer = Delayer(netlink_socket_in(args.netns), args.queue, line)
        delayer.bind()
    except (DelayerError, ValueError, OSError) as err:
        print(f"nfqueue: {err}", file=sys.stderr)
        return 1

    def stop(_sig: int, _frame: object) -> None:
        raise Stop

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    try:
        delayer.serve()
    except (OSError, wire.WireError) as err:
        print(f"nfqueue: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
