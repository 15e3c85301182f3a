"""ccs_config_validate [-f FILE] [-q] [-v]: check cluster.conf like the cluster 3 tool.

Prints each problem as ``file:line: <element>: message`` on stderr, then ``Configuration validates``
(exit 0) or ``Configuration fails to validate`` (exit 1) on stdout. Beyond the schema, the semantic and
the <rm> checks, every fence device is checked against its agent's metadata
(:mod:`cluster.config.agent_check`); warnings (``file:line: <element>: warning: ...``) do not fail it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from cluster.config import ConfigError, Problem, load_xml, validate_tree
from cluster.config.agent_check import agent_problems
from cluster.config.agent_metadata import agent_metadata
from cluster.config.xmlload import recover_xml
from cluster.rm.checks import rm_problems, rm_problems_in_tree

from ._cli import EXIT_FAIL, EXIT_OK, ToolParser, config_path, run_tool

PROG = "ccs_config_validate"
VERSION = "fencelab ccs_config_validate 3.0"


def _after_xml_error(path: str, message: str) -> list[Problem]:
    """The <rm> mistakes beyond a malformed spot (as libxml2 recovers the rest), so one run lists them all.
    Only <rm>: structure guessed by the recovery would be reported as mistakes the user never made."""
    if "tag mismatch" not in message:  # a misspelt end tag (Listing 7) is recoverable; depth bombs are not
        return []
    recovered = recover_xml(path)
    return rm_problems_in_tree(recovered, path) if recovered is not None else []


def _body(argv: list[str]) -> int:
    parser = ToolParser(prog=PROG, description="Validate a cluster.conf (schema and semantic checks).")
    parser.add_argument("-f", dest="file", metavar="FILE", help="validate this file instead of the default")
    parser.add_argument("-q", dest="quiet", action="store_true", help="print nothing, only set the exit code")
    parser.add_argument("-v", dest="verbose", action="store_true", help="say which file is checked")
    parser.add_argument("-V", dest="version", action="store_true", help="print the version and exit")
    args = parser.parse_args(argv)
    if args.version:
        print(VERSION)
        return EXIT_OK
    path = config_path(args.file)
    if args.verbose and not args.quiet:
        print(f"Validating {path}")
    warnings: list[Problem] = []
    try:
        conf, problems = validate_tree(load_xml(path), path, resources=rm_problems)
        if conf is not None and not problems:  # agents run only for a configuration that is sound
            problems, warnings = agent_problems(conf, agent_metadata)
    except ConfigError as err:  # unreadable or malformed: still one line, then the verdict
        problems = [err.problem] + _after_xml_error(path, err.problem.message)
    if not args.quiet:
        for problem in [*problems, *warnings]:
            print(str(problem), file=sys.stderr)
        print("Configuration fails to validate" if problems else "Configuration validates")
    return EXIT_FAIL if problems else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
