"""clusvcadm: ask the resource manager to enable, disable, stop, restart, relocate, freeze a service.

rgmanager's options (rgmanager.md §2): ``-e S [-m N] [-F]``, ``-d S``, ``-s S``, ``-R S``, ``-r S [-m N]``,
``-Z S``, ``-U S``; ``-n`` is ``-m``; ``service:`` is prepended when the name has no type. Output is
``<who> trying to <verb> S...<result>`` and, after a successful start, ``S is now running on N``. The exit
status is the RG_E code as a byte (success 0, "already running" 0), usage 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cluster.daemon.control import ControlError, NotRunning, request
from cluster.daemon.rundir import RUN_DIR_ENV, pick_run_dir
from cluster.rm.events import UserOp
from cluster.rm.state import RgError
from cluster.text_escape import one_line
from cluster.tools.closed_output import quiet_when_output_closed
from cluster.tools.clusvcadm_format import exit_status, lockdown_line, result_lines, service_name
from cluster.tools.runtime import EXIT_FAIL, ToolArgumentParser

PROG = "clusvcadm"
OPS = {"e": UserOp.ENABLE, "d": UserOp.DISABLE, "s": UserOp.STOP, "R": UserOp.RESTART, "r": UserOp.RELOCATE,
       "Z": UserOp.FREEZE, "U": UserOp.UNFREEZE}  # fmt: skip


LOCKS = {"l": "lock: no service starts anywhere", "u": "unlock", "S": "say whether they are locked"}
FAILED = {"l": "Lock operation failed", "u": "Unlock operation failed", "S": "Query operation failed"}


def _lockdown(run_dir: object, flag: str, timeout: float) -> int:
    """-l / -u / -S: rgmanager's cluster-wide rg_lockdown key."""
    op = {"l": "lock", "u": "unlock", "S": "query"}[flag]
    try:
        reply = request(str(run_dir), "rm_request", timeout=timeout, op=op)
    except NotRunning:
        print("Could not connect to resource group manager", file=sys.stderr)
        return EXIT_FAIL
    except ControlError:
        print(FAILED[flag], file=sys.stderr)
        return EXIT_FAIL
    print(lockdown_line(bool(reply.get("locked"))))
    return 0


@quiet_when_output_closed
def main(argv: Sequence[str] | None = None) -> int:
    p = ToolArgumentParser(prog=PROG, description="resource group (service) administration (fencelab)")
    group = p.add_mutually_exclusive_group(required=True)
    for flag, op in OPS.items():
        group.add_argument(f"-{flag}", dest=flag, metavar="SERVICE", help=f"{op.value} SERVICE")
    for flag, what in LOCKS.items():
        group.add_argument(f"-{flag}", dest=f"lock_{flag}", action="store_true", help=what)
    p.add_argument("-m", "-n", dest="member", help="the member to run it on (enable, relocate)")
    p.add_argument("-F", dest="by_domain", action="store_true", help="enable by the failover domain's rules")
    p.add_argument("-t", dest="timeout", type=float, default=60.0, help=argparse.SUPPRESS)
    p.add_argument("--run-dir", dest="run_dir", help=f"the node's run directory (default ${RUN_DIR_ENV})")
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    lock = next((f for f in LOCKS if getattr(args, f"lock_{f}")), None)
    if lock is not None:
        return _lockdown(pick_run_dir(args.run_dir).path, lock, args.timeout)
    flag = next(f for f in OPS if getattr(args, f))
    op, service = OPS[flag], service_name(getattr(args, flag))
    if args.by_domain and args.member:
        print("Cannot use '-F' with '-n' or '-m'", file=sys.stderr)
        return EXIT_FAIL
    run_dir = pick_run_dir(args.run_dir)
    payload = {"op": op.value, "service": service, "target": args.member, "by_domain": args.by_domain}
    prefix_member = args.member if op is not UserOp.RELOCATE else None
    try:
        reply = request(run_dir.path, "rm_request", timeout=args.timeout, **payload)
    except NotRunning:
        print("Could not connect to resource group manager", file=sys.stderr)
        return EXIT_FAIL
    except ControlError as err:
        print(one_line(str(err)), file=sys.stderr)
        return EXIT_FAIL
    code = int(reply.get("code", RgError.EFAIL))
    for line in result_lines(op, service, code, args.member if op is UserOp.RELOCATE else prefix_member,
                             reply.get("owner")):  # fmt: skip
        print(line)
    return exit_status(code)


if __name__ == "__main__":
    sys.exit(main())
