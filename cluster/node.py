"""``python -m cluster.node -c cluster.conf -n NODENAME --run-dir DIR``: run one cluster node.

Exit codes: 0 stopped cleanly (SIGTERM, leave, kill), 1 bad configuration or node name, 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from collections.abc import Sequence

from cluster.config import ConfigError, load_cluster_conf
from cluster.daemon.control import ControlError
from cluster.daemon.node import Node
from cluster.messages import one_line
from cluster.tools.runtime import seconds


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"cluster.node: {one_line(message)}", file=sys.stderr)
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
    p = _Parser(prog="cluster.node", description="one fencelab cluster node (cman + fenced)")
    p.add_argument("-c", "--config", required=True, help="cluster.conf")
    p.add_argument("-n", "--node", required=True, help="our node name in cluster.conf")
    p.add_argument("--run-dir", required=True, help="run directory: control socket, pid file, logs")
    p.add_argument("--log-root", help="re-root absolute log paths here ('/' keeps them; default: run dir)")
    p.add_argument("--agent-dir", action="append", default=[], help="look for fence agents here first")
    p.add_argument("-p", "--port", type=_port, help="UDP port, overriding <cman port> (cman_tool join -p)")
    p.add_argument("--agent-timeout", type=seconds, default=60.0, help="deadline of one agent call, seconds")
    args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        conf = load_cluster_conf(args.config)
    except ConfigError as err:
        print(f"cluster.node: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"cluster.node: cannot read {one_line(args.config)}: {err.strerror}", file=sys.stderr)
        return 1

    if args.port:
        conf = dataclasses.replace(conf, cman=dataclasses.replace(conf.cman, port=args.port))

    async def run() -> int:
        node = Node(  # creates the run and log directories: OSError below
            conf,
            args.config,
            args.node,
            args.run_dir,
            args.log_root,
            tuple(args.agent_dir),
            args.agent_timeout,
        )
        return await node.run()

    try:
        return asyncio.run(run())
    except ControlError as err:
        print(f"cluster.node: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a run or log directory we cannot make, a port already taken...
        where = f": {err.filename}" if err.filename else ""
        print(f"cluster.node: {one_line(str(err.strerror or err) + where)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
