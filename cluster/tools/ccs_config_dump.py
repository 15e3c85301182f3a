"""ccs_config_dump [-f FILE | -C ldapconfig ...]: print the configuration as loaded, as XML.

The whole <cluster> tree, from cluster.conf or from LDAP (so an LDAP configuration can be edited as XML)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lxml import etree

from cluster.config.validate import to_lxml

from ._cli import EXIT_OK, ToolParser, add_source_options, run_tool, source_of

PROG = "ccs_config_dump"


def _body(argv: list[str]) -> int:
    parser = ToolParser(prog=PROG, description="Print the loaded cluster configuration as XML.")
    add_source_options(parser)
    args = parser.parse_args(argv)
    conf = source_of(args).load()
    tree = to_lxml(conf.root)
    etree.indent(tree, space="  ")
    print('<?xml version="1.0"?>\n' + etree.tostring(tree, encoding="unicode"))  # print: stdout may be None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
