"""``fencelab-node`` (``python -m cluster.daemon``) ``-c cluster.conf -n NODENAME --run-dir DIR``: run one
cluster node.

``-C ldapconfig`` (or ``$CONFIG_LOADER``, as /etc/sysconfig/cman) loads the configuration from LDAP
instead: ``--ldap-url``/``--ldap-basedn``/``--ldap-binddn`` or ``$COROSYNC_LDAP_*`` (see
:mod:`cluster.config.source`); the bind password only from ``$COROSYNC_LDAP_BINDPWD`` or the sysconfig file.

The daemon locks its run directory before it writes anything there (:mod:`cluster.daemon.rundir`): a second
daemon for the same directory exits 1 and leaves the first one's files alone.

Exit codes: 0 stopped cleanly (SIGTERM, leave, kill), 1 bad configuration, node name or a busy run
directory, 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from cluster.config import ConfigError
from cluster.config.model import ClusterConf
from cluster.config.source import LOADERS, ConfigSource, config_source
from cluster.daemon.control import ControlError
from cluster.daemon.fencing import fenced_service
from cluster.daemon.node import Node
from cluster.daemon.rundir import RunDirBusy, RunDirLock
from cluster.text_escape import one_line
from cluster.tools.runtime import seconds

PROG = "fencelab-node"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{PROG}: {one_line(message)}", file=sys.stderr)
        raise SystemExit(2)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port (1-65535)")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    p = _Parser(prog=PROG, description="one fencelab cluster node (cman + fenced)")
    p.add_argument("-c", "--config", help="cluster.conf (xmlconfig)")
    p.add_argument("-C", "--loader", choices=LOADERS, help="config loader (default $CONFIG_LOADER)")
    p.add_argument("--ldap-url", help="ldapconfig: server URL (default $COROSYNC_LDAP_URL)")
    p.add_argument("--ldap-basedn", help="ldapconfig: base DN (default $COROSYNC_LDAP_BASEDN)")
    p.add_argument("--ldap-binddn", help="ldapconfig: bind DN (default $COROSYNC_LDAP_BINDDN)")
    p.add_argument("-n", "--node", required=True, help="our node name in cluster.conf")
    p.add_argument("--run-dir", required=True, help="run directory: control socket, pid file, logs")
    p.add_argument("--log-root", help="re-root absolute log paths here ('/' keeps them; default: run dir)")
    p.add_argument("--agent-dir", action="append", default=[], help="look for fence agents here first")
    p.add_argument("-p", "--port", type=_port, help="UDP port, overriding <cman port> (cman_tool join -p)")
    p.add_argument("--agent-timeout", type=seconds, default=60.0, help="deadline of one agent call, seconds")
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        loader = args.loader or ("xmlconfig" if args.config else None)  # -c names a cluster.conf
        source = config_source(args.config, loader, args.ldap_url, args.ldap_basedn, args.ldap_binddn)
        if source.loader == "xmlconfig" and not args.config:
            p.error("-c cluster.conf is required with the xmlconfig loader")
        conf = source.load()  # the whole configuration, validated, or nothing: never half of one
    except ConfigError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"{PROG}: cannot read {one_line(args.config)}: {err.strerror}", file=sys.stderr)
        return 1

    if args.port:
        conf = dataclasses.replace(conf, cman=dataclasses.replace(conf.cman, port=args.port))

    if conf.node(args.node) is None:
        print(
            f"{PROG}: node {one_line(args.node)!r} is not in {one_line(source.describe())}", file=sys.stderr
        )
        return 1
    lock = RunDirLock(Path(args.run_dir))
    try:
        lock.acquire(args.node)
    except RunDirBusy as err:
        print(f"{PROG}: {one_line(str(err))}", file=sys.stderr)
        return 1
    except OSError as err:  # a run directory we cannot make
        return _os_error(err)
    try:
        return _run(args, conf, source)
    finally:
        lock.release()


def _run(args: argparse.Namespace, conf: ClusterConf, source: ConfigSource) -> int:
    async def run() -> int:
        services = {"fenced": fenced_service(tuple(args.agent_dir), args.agent_timeout)}
        if (
            conf.rm is not None and conf.rm.find("service") is not None
        ):  # rgmanager runs where <rm> has services
            from cluster.daemon.rgmanager import rgmanager_service

            services["rgmanager"] = rgmanager_service()
        node = Node(  # OSError: see below
            conf, source.describe(), args.node, args.run_dir, args.log_root, services, loader=source.load
        )
        return await node.run()

    try:
        return asyncio.run(run())
    except ControlError as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a log directory we cannot make, a port already taken...
        return _os_error(err)
    except KeyboardInterrupt:
        return 0


def _os_error(err: OSError) -> int:
    where = f": {err.filename}" if err.filename else ""
    print(f"{PROG}: {one_line(str(err.strerror or err) + where)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
