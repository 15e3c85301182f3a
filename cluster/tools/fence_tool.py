"""fence_tool: ``ls [-n]`` shows the fence domain as fenced 3 does; ``history [NODE]`` (our addition)
shows the fence history kept by the node."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any

from cluster.tools.closed_output import quiet_when_output_closed
from cluster.tools.runtime import ToolArgumentParser, add_run_dir, ask

PROG = "fence_tool"


def ls_text(
    domain: Mapping[str, Any], nodes: Sequence[Mapping[str, Any]] = (), show_nodes: bool = False
) -> str:
    lines = [
        "fence domain",
        f"member count  {domain['member_count']}",
        f"victim count  {domain['victim_count']}",
        f"victim now    {domain['victim_now']}",
        f"master nodeid {domain['master_nodeid']}",
        f"wait state    {domain['wait_state']}",
        "members       " + "".join(f"{m} " for m in domain["members"]),
    ]
    if show_nodes:
        lines.append("")
        for n in sorted(nodes, key=lambda n: n["id"]):
            lines.append(
                f"node {n['id']} {n['name']} member {int(n['member'])} victim {int(n['victim'])}"
                f" last failure {_when(n.get('last_failure'))} last fenced {_when(n.get('last_fenced'))}"
            )
    return "\n".join(lines) + "\n"


def _when(t: float | None) -> str:
    return time.strftime("%F %H:%M:%S", time.localtime(t)) if t else "never"


# (header, alignment, least width): a column grows to its widest cell
HISTORY_COLUMNS = (
    ("time", "<", 23),
    ("victim", "<", 12),
    ("method", "<", 8),
    ("device", "<", 12),
    ("result", "<", 9),
    ("secs", ">", 7),
)


def history_text(records: Sequence[Mapping[str, Any]]) -> str:
    """One row per record; a column grows to its widest cell, so a long device name (``fence_ack_manual``
    of an override) does not push the rest of its row out of line."""
    rows = []
    for r in records:
        millis = int(r["time"] * 1000) % 1000
        stamp = time.strftime("%F %H:%M:%S", time.localtime(r["time"])) + f".{millis:03d}"
        cells = [stamp, r["victim"], r["method"], r["device"], r["result"], f"{r['duration']:.3f}"]
        rows.append((cells, f"  {r['by']}" + (f"  ({r['detail']})" if r.get("detail") else "")))
    widths = [
        max([least, *(len(cells[i]) for cells, _ in rows)]) for i, (_, _, least) in enumerate(HISTORY_COLUMNS)
    ]

    def line(cells: Sequence[str]) -> str:
        return " ".join(f"{c:{a}{w}}" for c, (_, a, _), w in zip(cells, HISTORY_COLUMNS, widths, strict=True))

    header = [name for name, _, _ in HISTORY_COLUMNS]
    return "\n".join([line(header) + "  by", *(line(cells) + tail for cells, tail in rows)]) + "\n"


@quiet_when_output_closed
def main(argv: Sequence[str] | None = None) -> int:
    p = ToolArgumentParser(prog=PROG, description="fence domain status (fencelab)")
    p.add_argument("command", choices=("ls", "history"))
    p.add_argument("node", nargs="?", help="history: only this node")
    p.add_argument("-n", dest="nodes", action="store_true", help="ls: show node information")
    add_run_dir(p)
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command == "ls":
        reply = ask(PROG, args.run_dir, "fence_ls")
        print(ls_text(reply["domain"], reply["nodes"], args.nodes), end="")
        return 0
    reply = ask(PROG, args.run_dir, "fence_history", node=args.node)
    print(history_text(reply["history"]), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
