"""confdb2ldif BASEDN [-f FILE] [-n NODE] [--since OLD]: the cluster configuration as LDIF for ldapadd.

Output layout as cluster 3's confdb2ldif (the article's Listing 5). The values are exported as they
are, passwords included: the LDIF is meant to be imported as the cluster's configuration.
``--since OLD.conf`` prints only what changed from OLD (the configuration now in LDAP) to FILE, as
change records for ``ldapmodify`` (the article's tip: edit a copy of the XML, generate the LDIF).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cluster.config import load_cluster_conf
from cluster.config.ldif import cluster_ldif
from cluster.config.ldifdiff import change_records
from cluster.config.objdb import cluster_object

from ._cli import EXIT_OK, ToolParser, UsageError, config_path, local_nodename, run_tool

PROG = "confdb2ldif"


def _body(argv: list[str]) -> int:
    parser = ToolParser(prog=PROG, description="Convert the cluster configuration to LDIF.")
    parser.add_argument("basedn", help="the LDAP base DN, e.g. dc=example,dc=com")
    parser.add_argument("-f", dest="file", metavar="FILE", help="read this file instead of the default")
    parser.add_argument("-n", dest="node", metavar="NODE", help="the local node (default $FENCELAB_NODE)")
    parser.add_argument("--since", metavar="OLD", help="print ldapmodify changes from OLD to FILE")
    args = parser.parse_args(argv)
    if "=" not in args.basedn:
        raise UsageError(f'"{args.basedn}" is not a DN (expected something like dc=example,dc=com)')
    conf = load_cluster_conf(config_path(args.file))
    node = local_nodename(conf, args.node)
    cluster = cluster_object(conf, node)
    if args.since:
        old = cluster_object(load_cluster_conf(args.since), node)
        lines = change_records(old, cluster, args.basedn)
    else:
        lines = cluster_ldif(cluster, args.basedn)
    print("".join(line + "\n" for line in lines), end="")  # stdout may be None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
