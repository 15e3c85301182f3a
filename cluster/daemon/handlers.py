"""The control socket's commands: what cman_tool, fence_tool, fence_node and tests may ask a node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cluster.daemon.control import ControlError, Handler
from cluster.quorum import QuorumError

if TYPE_CHECKING:
    from cluster.daemon.node import Node

Request = dict[str, Any]


def handlers(node: Node) -> dict[str, Handler]:
    async def status(_: Request) -> dict[str, Any]:
        return {"status": node.status()}

    async def nodes(_: Request) -> dict[str, Any]:
        return {"nodes": node.nodes()}

    async def version(_: Request) -> dict[str, Any]:
        return {"config_version": node.conf.config_version}

    async def reload(_: Request) -> dict[str, Any]:
        node.reload()
        return {}

    async def expected(req: Request) -> dict[str, Any]:
        try:
            status = node.quorum.set_expected(int(req["votes"]))
        except QuorumError as err:
            raise ControlError(str(err)) from None
        node.log.info(f"expected votes set to {status.expected_votes} (quorum {status.quorum})")
        node.refresh_quorum()
        return {}

    async def leave(req: Request) -> dict[str, Any]:
        await node.leave(bool(req.get("remove")))
        return {}

    async def kill(req: Request) -> dict[str, Any]:
        target = node.conf.node(str(req["node"]))
        if target is None:
            raise ControlError(f"node {req['node']} is not in the configuration")
        node.link.send({"type": "kill", "nodeid": target.nodeid, "by": node.me.name})
        if target.nodeid == node.me.nodeid:
            node.killed(node.me.name)
        return {}

    async def fence_ls(_: Request) -> dict[str, Any]:
        st = node.fenced.domain.status()
        info = []
        for record in node.roster.nodes.values():
            domain = node.fenced.domain
            info.append(
                {
                    "id": record.nodeid,
                    "name": record.name,
                    "member": record.status == "M",
                    "victim": domain.needs_fencing(record.nodeid),
                    "last_failure": domain.last_failure(record.nodeid),
                    "last_fenced": domain.last_fenced(record.nodeid),
                }
            )
        return {"domain": st.__dict__, "nodes": info}

    async def fence_history(req: Request) -> dict[str, Any]:
        history = node.fenced.domain.history
        name = req.get("node")
        records = history.for_node(name) if name else history.all()
        return {"history": [r.to_json() for r in records]}

    async def fence_ack(req: Request) -> dict[str, Any]:
        name = str(req["node"])
        if node.conf.node(name) is None:
            raise ControlError(f"node {name} is not in the configuration")
        if not node.fenced.ack_manual(name):
            raise ControlError(f"node {name} is not waiting to be fenced")
        return {}

    async def fence_node(req: Request) -> dict[str, Any]:
        name = str(req["node"])
        try:
            ok, records = await node.fenced.fence_once(name, bool(req.get("unfence")))
        except KeyError:
            raise ControlError(f"node {name} is not in the configuration") from None
        return {"fenced": ok, "records": [r.to_json() for r in records]}

    async def wait_fenced(req: Request) -> dict[str, Any]:
        target = node.conf.node(str(req["node"]))
        if target is None:
            raise ControlError(f"node {req['node']} is not in the configuration")
        ok = await node.fenced.wait_fenced(target.nodeid, float(req.get("seconds", 30)))
        return {"fenced": ok}

    async def drop(req: Request) -> dict[str, Any]:
        """Fault hook: drop all traffic to and from these node ids (empty list: heal)."""
        node.link.drop({int(n) for n in req.get("peers", [])})
        node.log.info(f"fault: dropping traffic with {sorted(req.get('peers', [])) or 'nobody'}")
        return {}

    async def info(_: Request) -> dict[str, Any]:
        return {
            "pid": node.pid,
            "incarnation": node.incarnation,
            "logs": {k: str(v) for k, v in node.log_files.items()},
            "agent_starts": node.fenced.agent_starts,
        }

    return {
        "status": status,
        "nodes": nodes,
        "version": version,
        "expected": expected,
        "reload": reload,
        "leave": leave,
        "kill": kill,
        "fence_ls": fence_ls,
        "fence_history": fence_history,
        "fence_ack": fence_ack,
        "fence_node": fence_node,
        "wait_fenced": wait_fenced,
        "drop": drop,
        "info": info,
    }
