"""One power feed of a lab machine: the process an outlet (NPS plug, BMC chassis, PDU outlet) powers.

``python -m harness.power_feed SOCKET NODE FEED`` connects to the lab's power board, says which node and feed
it is, and then only waits: while it lives the feed carries power. The outlet switching off SIGKILLs it, the
board sees the connection close and cuts the machine; the board going away (lab torn down) ends it too.
A node with several power methods has one feed per outlet, so that each method alone can fence it.
"""

from __future__ import annotations

import socket
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m harness.power_feed SOCKET NODE FEED", file=sys.stderr)
        return 2
    path, node, feed = args
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5.0)
            sock.connect(path)
            sock.sendall(f"{node} {feed}\n".encode())
            sock.settimeout(None)
            while sock.recv(64):  # the board never writes; EOF means the lab is gone
                pass
    except OSError as err:
        print(f"power_feed: {path}: {err.strerror or err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
