"""fence_node [-U] NODE: fence (or unfence) one node now, through the chosen node's fence daemon.

Prints ``fence NODE success|failed`` (``unfence ...`` with -U) like cluster 3, the failure followed by its
reason (``: NODE has no <unfence> devices in cluster.conf``); exit 0 on success, 1 otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cluster.text_escape import one_line
from cluster.tools.closed_output import quiet_when_output_closed
from cluster.tools.runtime import EXIT_FAIL, ToolArgumentParser, add_run_dir, ask, seconds

PROG = "fence_node"


@quiet_when_output_closed
def main(argv: Sequence[str] | None = None) -> int:
    p = ToolArgumentParser(prog=PROG, description="fence or unfence a cluster node (fencelab)")
    p.add_argument("node")
    p.add_argument("-U", dest="unfence", action="store_true", help="unfence the node")
    p.add_argument("-t", dest="timeout", type=seconds, default=300.0, help="seconds to wait for the result")
    add_run_dir(p)
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    reply = ask(PROG, args.run_dir, "fence_node", timeout=args.timeout, node=args.node, unfence=args.unfence)
    what = "unfence" if args.unfence else "fence"
    if reply["fenced"]:
        print(f"{what} {args.node} success")
        return 0
    reason = f": {one_line(reply['reason'])}" if reply.get("reason") else ""
    print(f"{what} {args.node} failed{reason}", file=sys.stderr)
    return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
