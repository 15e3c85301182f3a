"""rhcs_schema [--format ldif|schema] [--update]: the rhcs LDAP schema that confdb2ldif's LDIF needs.

Without options it prints the shipped schema as a cn=config LDIF (``--format schema``: slapd.conf style).
``--update`` (for developers) adds names the mapping can now produce, from cluster.rng and from the
metadata of fencelab's own agents, to ``schema/rhcs-oids.txt`` and rewrites the shipped files.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import metadata

from cluster.config.agent_metadata import MetadataError, agent_metadata
from cluster.config.ldapschema import (
    OID_REGISTRY_PATH,
    SCHEMA_CONF_PATH,
    SCHEMA_LDIF_PATH,
    extend_registry,
    parse_registry,
    render_ldif,
    render_registry,
    render_schema_conf,
    vocabulary,
    wanted_names,
)
from cluster.config.ldif import rhcs_name
from cluster.config.structure import element_specs
from cluster.config.validate import SCHEMA_PATH

from ._cli import EXIT_OK, ToolParser, UsageError, run_tool

PROG = "rhcs_schema"


def fencelab_agents() -> list[str]:
    """fencelab's own fence agents: its console scripts that run a module of fence_agents."""
    scripts = metadata.entry_points(group="console_scripts")
    return sorted({ep.name for ep in scripts if ep.value.startswith("fence_agents.")})


def agent_parameters(agents: Sequence[str]) -> list[str]:
    params: list[str] = []
    for agent in agents:
        try:
            meta = agent_metadata(agent)
        except MetadataError as err:
            raise UsageError(str(err)) from None
        params += [p for p in meta.parameters if p not in params]
    return params


def _body(argv: list[str]) -> int:
    parser = ToolParser(prog=PROG, description="Print (or regenerate) the rhcs LDAP schema.")
    parser.add_argument(
        "--format", choices=("ldif", "schema"), default="ldif", help="cn=config LDIF or slapd.conf"
    )
    parser.add_argument("--update", action="store_true", help="developers: add new names, rewrite the files")
    args = parser.parse_args(argv)
    vocab = vocabulary(element_specs(SCHEMA_PATH))
    reg = parse_registry(OID_REGISTRY_PATH.read_text() if OID_REGISTRY_PATH.exists() else "")
    if args.update:
        attrs, classes = wanted_names(vocab)
        device = [rhcs_name(p) for p in agent_parameters(fencelab_agents()) if p != "name"]
        reg = extend_registry(reg, attrs, classes, device)
        OID_REGISTRY_PATH.write_text(render_registry(reg))
        SCHEMA_LDIF_PATH.write_text(render_ldif(reg, vocab))
        SCHEMA_CONF_PATH.write_text(render_schema_conf(reg, vocab))
        print(f"{PROG}: wrote {OID_REGISTRY_PATH}, {SCHEMA_LDIF_PATH.name}, {SCHEMA_CONF_PATH.name}")
        return EXIT_OK
    print(render_ldif(reg, vocab) if args.format == "ldif" else render_schema_conf(reg, vocab), end="")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return run_tool(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
