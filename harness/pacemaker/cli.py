"""``fencelab pacemaker translate CONF [--out DIR]``: a cluster.conf as Corosync 3 + Pacemaker configuration.

Writes ``DIR/corosync.conf`` and ``DIR/cib.xml`` (built and checked with Pacemaker's own tools, see
harness.pacemaker.cib), prints each warning on stderr and, on stdout, what was written and the files every
node needs (LSB scripts). Fence devices keep the conf's own addresses (a real cluster; a lab points them
at its emulators). Exit 0 written, 1 the Pacemaker tools failed or refused the CIB, 2 a bad conf or a
feature Pacemaker cannot express (one line, file:line).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from cluster.text_escape import one_line
from harness.one_line_parser import OneLineParser


def _parser() -> OneLineParser:
    parser = OneLineParser(prog="fencelab pacemaker", description="cluster.conf -> Corosync 3 + Pacemaker.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    tr = sub.add_parser("translate", help="write corosync.conf and cib.xml for a cluster.conf")
    tr.add_argument("conf", help="the cluster.conf to translate")
    tr.add_argument("--out", default=".", help="directory to write corosync.conf and cib.xml to (default .)")
    tr.add_argument(
        "--address",
        action="append",
        default=[],
        metavar="NODE=ADDR",
        help="a node's ring0 address (default: its name, as cman resolved it)",
    )
    tr.add_argument(
        "--replace",
        action="store_true",
        help="our agents are installed under the stock names (install-agents --replace)",
    )
    tr.add_argument("--dc-deadtime", default="2s", help="Pacemaker's dc-deadtime (default 2s)")
    tr.add_argument("--timeout", type=float, default=30.0, help="seconds for the Pacemaker tools (30)")
    return parser


def _addresses(conf_nodes: Sequence[str], given: Sequence[str]) -> dict[str, str]:
    addresses = {name: name for name in conf_nodes}
    for item in given:
        node, sep, address = item.partition("=")
        if not sep or not address:
            raise ValueError(f"--address {item!r}: expected NODE=ADDR")
        if node not in addresses:
            raise ValueError(f"--address {item!r}: {node} is not a clusternode")
        addresses[node] = address
    return addresses


def translate_command(argv: Sequence[str]) -> int:
    args = _parser().parse_args(["translate", *argv])
    from cluster.config import ConfigError, load_cluster_conf
    from harness.agent_names import default_installed_name

    from .cib import CibError, build_cib
    from .fence_agents_table import known_agents
    from .translate import TranslateError, translate

    prog = "fencelab pacemaker translate"
    try:
        conf = load_cluster_conf(args.conf)
        addresses = _addresses([n.name for n in conf.nodes], args.address)
        names = {a: default_installed_name(a, args.replace) for a in known_agents()}
        plan = translate(conf, None, addresses, names, args.dc_deadtime)
    except (ConfigError, TranslateError, ValueError, OSError) as err:
        print(f"{prog}: {one_line(str(err))}", file=sys.stderr)
        return 2
    for warning in plan.warnings:
        print(f"{prog}: warning: {one_line(warning)}", file=sys.stderr)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "corosync.conf").write_text(plan.corosync_conf)
        build_cib(plan, out / "cib.xml", args.timeout)
    except CibError as err:
        print(f"{prog}: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"{prog}: {out}: {one_line(err.strerror or str(err))}", file=sys.stderr)
        return 1
    print(f"wrote {out / 'corosync.conf'} and {out / 'cib.xml'} (crm_verify: valid)")
    for inside, host in sorted(plan.node_files.items()):
        print(f"every node needs {host} at {inside}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["translate"]:
        return translate_command(args[1:])
    _parser().parse_args(args)  # prints the usage or the one-line error
    return 2
