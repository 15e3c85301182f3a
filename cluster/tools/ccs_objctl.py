"""ccs_objctl [-f FILE | -C ldapconfig ...] [-n NODE] [--show-secrets] [PREFIX...]: the object database.

Named ccs_objctl so it never shadows a real corosync-objctl. Prints ``cluster.name=...``,
``cluster.cman.cluster_id=...``, ``totem.token=...`` lines; passwords and the totem key print as ``***``
unless --show-secrets is given. PREFIX arguments keep only lines starting with one of them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cluster.config.objdb import objctl_lines, object_database

from ._cli import EXIT_OK, ToolParser, add_source_options, local_nodename, run_tool, source_of

PROG = "ccs_objctl"


def _body(argv: list[str]) -> int:
    parser = ToolParser(prog=PROG, description="Dump the cluster object database as key=value lines.")
    add_source_options(parser)
    parser.add_argument("-n", dest="node", metavar="NODE", help="the local node (default $FENCELAB_NODE)")
    parser.add_argument("--show-secrets", action="store_true", help="print passwords and the key")
    parser.add_argument("prefix", nargs="*", help="only keys starting with one of these")
    args = parser.parse_args(argv)
    conf = source_of(args).load()
    objects = object_database(conf, local_nodename(conf, args.node))
    for line in objctl_lines(objects, args.show_secrets):
        if not args.prefix or any(line.startswith(p) for p in args.prefix):
            print(line)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
