"""cman_tool: join, leave [remove], status, nodes [-a] [-F fields], version [-r], expected -e N, kill -n NODE.

The node is chosen with ``-d RUN_DIR``, ``$FENCELAB_RUN_DIR`` or the per-host default
(:mod:`cluster.daemon.rundir`), for ``join`` as for every other command. ``join`` starts a node daemon in
the background and returns once it answers on its control socket; it refuses, touching nothing, when a
live daemon already holds the directory.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from cluster.daemon import rundir
from cluster.daemon.control import ControlError, NotRunning, request
from cluster.tools import cman_format
from cluster.tools.closed_output import quiet_when_output_closed
from cluster.tools.runtime import EXIT_FAIL, ToolArgumentParser, add_run_dir, ask, fail, seconds

PROG = "cman_tool"
# cluster.config.source.LOADERS (a test keeps them equal), not imported: the loaders pull in lxml and ssl,
# which every cman_tool call would pay for at start-up
LOADERS = ("xmlconfig", "ldapconfig")
NOT_RUNNING = "Cannot open connection to cman, is it running ?"
ALREADY_ACTIVE = "Node is already active"
COMMANDS = ("join", "leave", "status", "nodes", "version", "expected", "kill")


def _parser() -> ToolArgumentParser:
    p = ToolArgumentParser(prog=PROG, description="cluster manager control (fencelab)")
    p.add_argument("command", choices=COMMANDS)
    p.add_argument("extra", nargs="*", default=[], help="'remove' for leave")  # default: not "required"
    add_run_dir(p)
    p.add_argument("-c", dest="config", help="join: cluster.conf to use")
    p.add_argument("-C", dest="loader", choices=LOADERS, help="join: config loader (default $CONFIG_LOADER)")
    p.add_argument("--ldap-url", help="join -C ldapconfig: server URL (default $COROSYNC_LDAP_URL)")
    p.add_argument("--ldap-basedn", help="join -C ldapconfig: base DN (default $COROSYNC_LDAP_BASEDN)")
    p.add_argument("--ldap-binddn", help="join -C ldapconfig: bind DN (default $COROSYNC_LDAP_BINDDN)")
    p.add_argument("-n", dest="node", help="join: our node name; kill: the node to kill")
    p.add_argument("-p", dest="port", type=int, help="join: UDP port (overrides <cman port>)")
    p.add_argument("-a", dest="addresses", action="store_true", help="nodes: show addresses")
    p.add_argument("-F", dest="fields", help=f"nodes: fields ({','.join(cman_format.NODE_FIELDS)})")
    p.add_argument("-e", dest="expected", type=int, help="expected: new expected votes")
    p.add_argument("-r", dest="reload", action="store_true", help="version: reload cluster.conf")
    p.add_argument(
        "-t", dest="timeout", type=seconds, default=10.0, help="seconds to wait (join, leave, any answer)"
    )
    return p


def _status(run_dir: str | None, timeout: float) -> int:
    try:
        reply = request(rundir.pick_run_dir(run_dir).path, "status", timeout=timeout)
    except NotRunning:
        fail(PROG, NOT_RUNNING)
    except ControlError as err:  # alive but silent (SIGSTOP, stuck): not the same as not running
        fail(PROG, str(err))
    print(cman_format.status_text(reply["status"]), end="")
    return 0


def _nodes(run_dir: str | None, addresses: bool, fields: str | None, timeout: float) -> int:
    nodes = ask(PROG, run_dir, "nodes", timeout)["nodes"]
    if fields:
        chosen = [f.strip() for f in fields.split(",") if f.strip()]
        if not chosen:
            fail(PROG, f"no fields given (choose from {','.join(cman_format.NODE_FIELDS)})")
        unknown = [f for f in chosen if f not in cman_format.NODE_FIELDS]
        if unknown:
            fail(PROG, f"unknown field {unknown[0]!r} (choose from {','.join(cman_format.NODE_FIELDS)})")
        print(cman_format.nodes_fields_text(nodes, chosen), end="")
    else:
        print(cman_format.nodes_text(nodes, addresses), end="")
    return 0


def _source_argv(args: argparse.Namespace) -> list[str]:
    """The node daemon's configuration options: -c FILE, or the LDAP loader (options or environment)."""
    from cluster.config import ConfigError  # join only: the configuration loaders pull in lxml and ssl
    from cluster.config.source import config_source

    try:
        source = config_source(
            args.config,
            args.loader or ("xmlconfig" if args.config else None),
            args.ldap_url,
            args.ldap_basedn,
            args.ldap_binddn,
        )
    except ConfigError as err:
        fail(PROG, str(err))
    if source.ldap is None:
        if not args.config:
            fail(PROG, "join needs -c cluster.conf (or -C ldapconfig) and -n NODENAME")
        return ["-c", args.config]
    argv = ["-C", "ldapconfig", "--ldap-url", source.ldap.url, "--ldap-basedn", source.ldap.basedn]
    return argv + (["--ldap-binddn", source.ldap.binddn] if source.ldap.binddn else [])  # password: env


def _join(run_dir: str | None, source: list[str], node: str | None, port: int | None, timeout: float) -> int:
    import subprocess  # only join starts a process: the other commands skip its import

    if not node:
        fail(PROG, "join needs -c cluster.conf (or -C ldapconfig) and -n NODENAME")
    directory = rundir.pick_run_dir(run_dir).path
    _refuse_taken(directory, node)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        log = open(directory / "node.out", "ab")  # noqa: SIM115 - handed to the daemon
    except OSError as err:
        fail(PROG, f"cannot use run directory {directory}: {err.strerror or err}")
    argv = [sys.executable, "-m", "cluster.daemon", *source, "-n", node, "--run-dir", str(directory)]
    if port:
        argv += ["--port", str(port)]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = (directory / "node.out").read_text(errors="replace").strip().splitlines()
            fail(PROG, text[-1] if text else f"the node daemon exited with status {proc.returncode}")
        try:
            request(directory, "version", timeout=1.0)
            return 0
        except ControlError:
            time.sleep(0.05)  # polling the daemon's readiness with a deadline
    proc.terminate()  # a join that reports failure must not leave a node running behind it
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
    fail(PROG, f"the node daemon did not answer within {timeout:g}s")


def _refuse_taken(directory: Path, node: str) -> None:
    """A join must not start a second daemon for a running node, nor a node in another node's directory."""
    live = rundir.holder(directory)
    if live is not None and live.node in (node, ""):
        fail(PROG, ALREADY_ACTIVE)
    if live is not None:
        fail(PROG, f"{directory} is the run directory of node {live.node} (pid {live.pid}): use -d")
    past = rundir.owner(directory)
    if past is not None and past.node != node:
        lock = directory / rundir.LOCK_NAME
        fail(
            PROG,
            f"{directory} is the run directory of node {past.node}: use -d for {node} (or remove {lock})",
        )


def _leave(run_dir: str | None, extra: Sequence[str], timeout: float) -> int:
    directory = str(rundir.pick_run_dir(run_dir).path)
    pidfile = Path(directory) / "node.pid"
    ask(PROG, directory, "leave", timeout, remove="remove" in extra)
    deadline = time.monotonic() + timeout
    while pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for the daemon to finish leaving, with a deadline
    return 0


@quiet_when_output_closed
def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    allowed = ("remove",) if args.command == "leave" else ()
    for word in args.extra:  # `leave remvoe` must not quietly do a plain leave
        if word not in allowed:
            parser.error(f"unexpected argument {word!r} for {args.command}")
    if args.command == "status":
        return _status(args.run_dir, args.timeout)
    if args.command == "nodes":
        return _nodes(args.run_dir, args.addresses, args.fields, args.timeout)
    if args.command == "join":
        return _join(args.run_dir, _source_argv(args), args.node, args.port, args.timeout)
    if args.command == "leave":
        return _leave(args.run_dir, args.extra, args.timeout)
    if args.command == "version":
        if args.reload:
            reply = ask(PROG, args.run_dir, "reload", args.timeout)
            print(reply.get("message", ""), end="")
            return 0
        version = ask(PROG, args.run_dir, "version", args.timeout)["config_version"]
        print(cman_format.version_text(version), end="")
        return 0
    if args.command == "expected":
        if args.expected is None:
            fail(PROG, "expected needs -e VOTES")
        ask(PROG, args.run_dir, "expected", args.timeout, votes=args.expected)
        return 0
    if args.command == "kill":
        if not args.node:
            fail(PROG, "kill needs -n NODENAME")
        ask(PROG, args.run_dir, "kill", args.timeout, node=args.node)
        return 0
    return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
