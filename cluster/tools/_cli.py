"""Shared plumbing for the cman-style tools: option parsing without tracebacks, config and node lookup."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from cluster.config import DEFAULT_CONFIG_PATH, ClusterConf, ConfigError
from cluster.config.source import LOADERS, ConfigSource, config_source
from cluster.text_escape import one_line
from cluster.tools.closed_output import silence_stdout

CONFIG_ENV = "COROSYNC_CLUSTER_CONFIG_FILE"  # honoured by cman too
NODE_ENV = "FENCELAB_NODE"
EXIT_OK = 0
EXIT_FAIL = 1


class UsageError(Exception):
    pass


class ToolParser(argparse.ArgumentParser):
    """argparse that raises instead of printing a usage block and exiting with 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def config_path(given: str | None) -> str:
    return given or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """-f FILE, or -C ldapconfig with the server (else $CONFIG_LOADER, $COROSYNC_LDAP_*, /etc/sysconfig/cman).
    The bind password is never an option: $COROSYNC_LDAP_BINDPWD or the sysconfig file."""
    parser.add_argument("-f", dest="file", metavar="FILE", help="read this cluster.conf, not the default")
    parser.add_argument("-C", dest="loader", choices=LOADERS, help="config loader (default $CONFIG_LOADER)")
    parser.add_argument("--ldap-url", help="ldapconfig: the server (default $COROSYNC_LDAP_URL)")
    parser.add_argument("--ldap-basedn", help="ldapconfig: the base DN (default $COROSYNC_LDAP_BASEDN)")
    parser.add_argument("--ldap-binddn", help="ldapconfig: bind as this DN (default $COROSYNC_LDAP_BINDDN)")


def source_of(args: argparse.Namespace) -> ConfigSource:
    """The configuration the options of :func:`add_source_options` name; -f means cluster.conf."""
    if args.file:
        return ConfigSource("xmlconfig", args.file)
    return config_source(None, args.loader, args.ldap_url, args.ldap_basedn, args.ldap_binddn)


def local_nodename(conf: ClusterConf, given: str | None) -> str | None:
    """The node this tool speaks for: -n, then $FENCELAB_NODE, then the host name if it is a cluster node."""
    if given:
        return given
    if os.environ.get(NODE_ENV):
        return os.environ[NODE_ENV]
    host = socket.gethostname()
    for candidate in (host, host.split(".")[0]):
        if conf.node(candidate) is not None:
            return candidate
    return None


def run_tool(prog: str, body: Callable[[list[str]], int], argv: Sequence[str] | None) -> int:
    """Run a tool body; usage and configuration errors become one line on stderr and exit status 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return body(args)
    except UsageError as err:
        print(f"{prog}: {one_line(str(err))} (use -h for help)", file=sys.stderr)
    except ConfigError as err:
        print(f"{prog}: {err}", file=sys.stderr)
    except BrokenPipeError:  # the reader went away (`| head`): quietly, exit 1
        silence_stdout()
    return EXIT_FAIL
