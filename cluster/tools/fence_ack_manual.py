"""fence_ack_manual [-n] NODE: the administrator confirms NODE is down; fenced stops retrying it.

Asks ``Continue [NO/absolutely]?`` like cluster 3 (the answer may be piped on stdin); anything but
``absolutely`` aborts with exit 1.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cluster.tools.closed_output import quiet_when_output_closed
from cluster.tools.runtime import EXIT_FAIL, ToolArgumentParser, add_run_dir, ask

PROG = "fence_ack_manual"


@quiet_when_output_closed
def main(argv: Sequence[str] | None = None) -> int:
    p = ToolArgumentParser(prog=PROG, description="override fencing of a node (fencelab)")
    p.add_argument("-n", dest="node_opt", help="the node that was fenced by hand")
    p.add_argument("node", nargs="?")
    add_run_dir(p)
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    node = args.node_opt or args.node
    if not node:
        p.error("a node name is required")
    print(f"About to override fencing for {node}.")
    print("Improper use of this command can cause severe file system damage.")
    print()
    print("Continue [NO/absolutely]? ", end="", flush=True)
    answer = sys.stdin.readline().strip() if sys.stdin is not None else ""  # None: descriptor 0 closed
    if answer != "absolutely":
        print("Aborted.")
        return EXIT_FAIL
    ask(PROG, args.run_dir, "fence_ack", node=node)
    print("Done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
