"""ccs_config_dump [-f FILE]: print the configuration as loaded, as XML (the whole <cluster> tree)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lxml import etree

from cluster.config import load_cluster_conf
from cluster.config.validate import to_lxml

from ._cli import EXIT_OK, ToolParser, config_path, run_tool

PROG = "ccs_config_dump"


def _body(argv: list[str]) -> int:
    parser = ToolParser(prog=PROG, description="Print the loaded cluster configuration as XML.")
    parser.add_argument("-f", dest="file", metavar="FILE", help="read this file instead of the default")
    args = parser.parse_args(argv)
    conf = load_cluster_conf(config_path(args.file))
    tree = to_lxml(conf.root)
    etree.indent(tree, space="  ")
    print('<?xml version="1.0"?>\n' + etree.tostring(tree, encoding="unicode"))  # print: stdout may be None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
