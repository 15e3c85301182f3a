"""A stand-in for a cluster node's workload, powered by an emulated outlet (``python -m harness.demo_node``).

It connects to the demo's watcher socket, says who it is, then waits. When its outlet is switched off the
emulator SIGKILLs its process group: the socket closes and the watcher sees the node die at that instant.
"""

from __future__ import annotations

import os
import socket
import sys


def main(argv: list[str]) -> int:
    name, path = argv
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    sock.sendall(f"{name} {os.getpid()}\n".encode())
    while sock.recv(1024):  # the watcher never sends; returns b"" only if the demo goes away
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
