"""clustat: the cluster's members and the resource manager's services, as rgmanager's clustat shows them.

Options (rgmanager.md §1): ``-s S`` one service, ``-m M`` one member, ``-l`` long, ``-x`` XML, ``-Q`` quiet
(exit 0 quorate, 1 not), ``-i N`` refresh every N seconds. Exit: 0; with ``-s``, 0 while
starting/started/stopping, else the numeric state; with ``-m``, 0 online, 1 offline.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from typing import Any

from cluster.daemon.control import ControlError, NotRunning, request
from cluster.daemon.rundir import pick_run_dir
from cluster.rm.state import Flag, State
from cluster.text_escape import one_line
from cluster.tools.closed_output import quiet_when_output_closed
from cluster.tools.clustat_format import (
    MemberRow,
    ServiceRow,
    member_exit,
    member_lines,
    quorum_exit,
    service_exit,
    service_lines,
    status_text,
    xml_text,
)
from cluster.tools.runtime import EXIT_FAIL, ToolArgumentParser, add_run_dir

PROG = "clustat"


def _rows(run_dir: str) -> tuple[dict[str, Any], list[MemberRow], list[ServiceRow] | None]:
    status = request(run_dir, "status", timeout=5.0)["status"]
    nodes = request(run_dir, "nodes", timeout=5.0)["nodes"]
    try:
        rm: dict[str, Any] | None = request(run_dir, "rm_status", timeout=10.0)
    except ControlError:
        rm = None  # no resource manager on this node: members only, as rgmanager's clustat does
    local = status.get("node_id")
    rg_members = set(rm["members"]) if rm else set()
    members = [
        MemberRow(
            n["name"],
            int(n["id"]),
            n["status"] == "M",
            int(n["id"]) == local,
            False,
            int(n["id"]) in rg_members and n["status"] == "M",
        )  # fmt: skip
        for n in sorted(nodes, key=lambda n: int(n["id"]))
    ]
    services = None
    if rm is not None:
        services = [
            ServiceRow(
                s["name"],
                State(int(s["state"])),
                s.get("owner"),
                s.get("last_owner"),
                Flag(int(s["flags"])),
                int(s["restarts"]),
                int(s["transition"]),
            )  # fmt: skip
            for s in rm["services"]
        ]
    return status, members, services


@quiet_when_output_closed
def main(argv: Sequence[str] | None = None) -> int:
    p = ToolArgumentParser(prog=PROG, description="cluster status: members and services (fencelab)")
    p.add_argument("-s", dest="service", help="show this service only")
    p.add_argument("-m", dest="member", help="show this member only")
    p.add_argument("-l", dest="long", action="store_true", help="long format")
    p.add_argument("-x", dest="xml", action="store_true", help="XML output")
    p.add_argument("-Q", dest="quiet", action="store_true", help="no output: exit 0 quorate, 1 not")
    p.add_argument("-i", dest="interval", type=int, help="refresh every N seconds")
    add_run_dir(p)
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.interval is not None and args.xml:
        print("Error: Options '-i' and '-x' are mutually exclusive", file=sys.stderr)
        return EXIT_FAIL
    run_dir = pick_run_dir(args.run_dir).path
    while True:
        try:
            status, members, services = _rows(str(run_dir))
        except NotRunning as err:
            print(f"Could not connect to CMAN: {one_line(str(err))}", file=sys.stderr)
            return EXIT_FAIL
        code = _show(args, status, members, services)
        if args.interval is None:
            return code
        time.sleep(max(args.interval, 1))  # the refresh period the user asked for
        print("\033[H\033[2J", end="")


def _show(
    args: Any, status: dict[str, Any], members: list[MemberRow], services: list[ServiceRow] | None
) -> int:
    quorate = bool(status.get("quorate"))
    if args.quiet:
        return quorum_exit(quorate)
    cols = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else 80
    name = str(status.get("cluster_name", ""))
    if args.xml:
        print(xml_text(name, int(status.get("cluster_id", 0)), int(status.get("generation", 0)), quorate,
                       services is not None, members, services), end="")  # fmt: skip
        return 0
    if args.member:
        print("\n".join(member_lines([m for m in members if m.name == args.member], cols)))
        return member_exit(members, args.member)
    if args.service:
        full = args.service if ":" in args.service else f"service:{args.service}"
        print("\n".join(service_lines([s for s in services or [] if s.name == full], cols)))
        return service_exit(services or [], full)
    print(status_text(name, time.time(), quorate, members, services, cols, args.long), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
