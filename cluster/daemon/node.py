"""The node daemon: config + membership + quorum + logging + the control socket, hosting cluster services.

One process per cluster node (``fencelab-node`` / ``python -m cluster.daemon -c cluster.conf -n NODE
--run-dir DIR``). The run directory holds the control socket, the pid file, the event stream and (by
default) the re-rooted log files. Services (fenced now, the resource manager next) plug in through
:mod:`cluster.daemon.service`: the node hands them views and their peers' messages and serves their
control commands; it answers the cman commands itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cluster.config import ConfigError, load_cluster_conf
from cluster.config.model import ClusterConf
from cluster.daemon.control import ControlError, Handler
from cluster.daemon.control_server import ControlServer
from cluster.daemon.events import EventLog
from cluster.daemon.link import MembershipLink
from cluster.daemon.logs import setup_logging
from cluster.daemon.roster import Roster
from cluster.daemon.service import ClusterService, Payload, ServiceContext, ServiceFactory
from cluster.membership.view import ViewChange
from cluster.quorum import Quorum, QuorumConfig, QuorumError, QuorumStatus

SUBSYSTEMS = ("corosync", "cman", "fenced")


class Node:
    def __init__(
        self,
        conf: ClusterConf,
        conf_path: str,
        node_name: str,
        run_dir: str,
        log_root: str | None = None,
        services: Mapping[str, ServiceFactory] = MappingProxyType({}),
        loader: Callable[[], ClusterConf] | None = None,
    ) -> None:
        """``services`` by name (fenced: ``fencing.fenced_service``); each gets a context of its own.
        ``loader`` reads the configuration again for a reload (default: cluster.conf at ``conf_path``)."""
        me = conf.node(node_name)
        if me is None:
            raise ControlError(f"node {node_name!r} is not in {conf_path}")
        self.conf = conf
        self.conf_path = conf_path
        self.loader = loader or (lambda: load_cluster_conf(conf_path))  # cluster.conf or LDAP
        self.me = me
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.log_files = setup_logging(conf.logging, log_root or str(self.run_dir), tuple(services))
        self.log = logging.getLogger("cman")
        self.events = EventLog(self.run_dir, me.name)
        self.incarnation = time.time_ns() // 1000  # new on every start: a restarted node is a new member
        self.link = MembershipLink(
            conf, me.nodeid, self.incarnation, self._on_view, self._on_message, logging.getLogger("corosync")
        )
        self.addresses = self.link.addresses
        self.roster = Roster(conf, self.addresses)
        self.quorum = Quorum(QuorumConfig.from_conf(conf))
        self.qstatus: QuorumStatus = self.quorum.status()
        self.pid = os.getpid()
        self.generation = 0
        self.view = ViewChange(0, ())
        self.state = "Joining"
        self.started = time.time()
        self.services: list[ClusterService] = [make(conf, self._context(n)) for n, make in services.items()]
        self._stopped = asyncio.Event()
        self.commands = self._commands()
        self.control = ControlServer(self.run_dir, self.commands)

    def _context(self, service: str) -> ServiceContext:
        def tell(kind: str, fields: Payload) -> None:
            for other in self.services:  # what one service reports is an input of the others
                if other.name != service and hasattr(other, "on_event"):
                    other.on_event(kind, fields)

        def event(kind: str, fields: Payload) -> None:
            self.events.emit(kind, fields)
            tell(kind, fields)

        return ServiceContext(
            service, self.me.name, self.me.nodeid, logging.getLogger(service), self._send, event, tell
        )

    def _commands(self) -> dict[str, Handler]:
        commands: dict[str, Handler] = {
            "status": self._cmd_status,
            "nodes": self._cmd_nodes,
            "version": self._cmd_version,
            "reload": self._cmd_reload,
            "expected": self._cmd_expected,
            "leave": self._cmd_leave,
            "kill": self._cmd_kill,
            "drop": self._cmd_drop,
            "info": self._cmd_info,
        }
        for service in self.services:
            for name, handler in service.commands().items():
                if name in commands:
                    raise ValueError(f"control command {name!r} of {service.name} is taken")
                commands[name] = handler
        return commands

    # ---- lifecycle ----------------------------------------------------------------------------------
    async def run(self) -> int:
        """Serve until stopped. The caller holds the run directory's lock: every file here is ours."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stopped.set)
        await self.control.start()
        (self.run_dir / "node.pid").write_text(f"{os.getpid()}\n")
        try:
            await self.link.start()
        except OSError as err:  # e.g. the port is taken: leave no pid file or socket claiming we run
            await self.control.close()
            (self.run_dir / "node.pid").unlink(missing_ok=True)
            self.events.close()
            where = f"{self.addresses[self.me.nodeid]} (port {self.conf.cman.port})"
            raise OSError(err.errno, f"cannot start the cluster link on {where}: {err.strerror}") from None
        self.log.info(
            f"node {self.me.name} (nodeid {self.me.nodeid}) starting, config version "
            f"{self.conf.config_version}, address {self.addresses[self.me.nodeid]}"
        )
        self.events.emit(
            "start", {"pid": self.pid, "incarnation": self.incarnation, "nodeid": self.me.nodeid}
        )
        await self._stopped.wait()
        await self.shutdown()
        return 0

    def stop(self) -> None:
        self._stopped.set()

    async def shutdown(self) -> None:
        self.state = "Not-in-Cluster"
        await self.link.close()
        for service in self.services:
            await service.close()
        await self.control.close()
        (self.run_dir / "node.pid").unlink(missing_ok=True)
        self.log.info(f"node {self.me.name} stopped")
        self.events.emit("stop", {"pid": self.pid})
        self.events.close()

    async def leave(self, remove: bool) -> None:
        self.state = "Leaving"
        self.log.info(f"leaving the cluster{' (remove)' if remove else ''}")
        for service in self.services:  # e.g. the resource manager stops what runs here before we go
            before = getattr(service, "before_leave", None)
            if before is not None:
                await before()
        await self.link.leave(remove)
        asyncio.get_running_loop().call_soon(self._stopped.set)

    # ---- membership and quorum ----------------------------------------------------------------------
    def _on_view(self, view: ViewChange) -> None:
        now = time.time()
        self.generation = view.gen
        self.view = view
        joined, lost = self.roster.install(view.gen, view.incarnations, now)
        for nodeid in sorted(lost):
            how = "left" if nodeid in view.left else "lost"
            self.log.info(f"node {self.roster.nodes[nodeid].name} {how} (generation {view.gen})")
        for nodeid in sorted(joined):
            self.log.info(f"node {self.roster.nodes[nodeid].name} joined (generation {view.gen})")
        self.events.emit(
            "view",
            {
                "generation": view.gen,
                "members": list(view.member_ids),
                "joined": sorted(joined),
                "left": list(view.left),
                "failed": sorted(lost - set(view.left)),
            },
        )
        self._set_quorum(self.quorum.update_members(self.roster.member_ids(), now, frozenset(view.removed)))
        self.state = "Cluster-Member"
        for service in self.services:
            service.on_view(view, self.qstatus.quorate)

    def _set_quorum(self, status: QuorumStatus) -> None:
        changed = status.quorate != self.qstatus.quorate
        if changed:
            self.log.info("quorum regained" if status.quorate else "quorum lost, blocking activity")
        if changed or (status.total_votes, status.quorum) != (self.qstatus.total_votes, self.qstatus.quorum):
            fields = {"quorate": status.quorate, "total_votes": status.total_votes, "quorum": status.quorum}
            self.events.emit("quorum", {**fields, "expected_votes": status.expected_votes})
        self.qstatus = status

    def refresh_quorum(self) -> None:
        """After ``cman_tool expected`` or a reload: quorum may change without a membership change."""
        self._set_quorum(self.quorum.status())
        for service in self.services:  # also after a reload: a service re-reads its new config now
            service.on_quorum(self.qstatus.quorate)

    def killed(self, by: str) -> None:
        """``cman_tool kill``: stop at once, without a clean leave (the others see a failure)."""
        self.log.error(f"cman killed by node {by} because we were killed by cman_tool")
        self.link.abort()
        self._stopped.set()

    # ---- configuration ------------------------------------------------------------------------------
    def reload(self) -> None:
        """``cman_tool version -r``: load the newer cluster.conf here, then tell the other nodes."""
        new = self._load_newer()
        self._install(new)
        self.link.send({"type": "reload", "version": new.config_version})

    def _load_newer(self) -> ClusterConf:
        try:
            new = self.loader()
        except (ConfigError, OSError) as err:
            raise ControlError(str(err)) from None
        if new.config_version <= self.conf.config_version:
            raise ControlError("Not reloading, config version older or equal the running config")
        return dataclasses.replace(new, cman=dataclasses.replace(new.cman, port=self.conf.port))

    def _install(self, new: ClusterConf) -> None:
        self.conf = new
        self.quorum.reload(QuorumConfig.from_conf(new))
        self.quorum.set_config_error(False)
        for service in self.services:
            service.on_config(new)
        self.log.info(f"config version {new.config_version} loaded")
        self.refresh_quorum()

    def _peer_reload(self, version: int) -> None:
        if version <= self.conf.config_version:
            return
        try:
            new = self._load_newer()
        except ControlError as err:
            new = None
            self.log.error(f"cannot load config version {version}: {err}")
        if new is None or new.config_version != version:
            self.log.error(f"config version {version} not available here: inquorate until it is")
            self.quorum.set_config_error(True)
            self.refresh_quorum()
            return
        self._install(new)

    # ---- peer messages ------------------------------------------------------------------------------
    def _send(self, service: str, payload: Payload) -> None:
        self.link.send({"type": "service", "service": service, "body": payload})

    def _on_message(self, sender: int, payload: dict[str, Any]) -> None:
        kind = payload.get("type")
        if kind == "reload":
            self._peer_reload(int(payload.get("version", 0)))
        elif kind == "kill" and payload.get("nodeid") == self.me.nodeid:
            self.killed(str(payload.get("by", sender)))
        elif kind == "service":
            for service in self.services:
                if service.name == payload.get("service"):
                    service.on_message(sender, dict(payload.get("body", {})))

    # ---- the cman commands --------------------------------------------------------------------------
    async def _cmd_status(self, _: Payload) -> dict[str, Any]:
        return {"status": self.status()}

    async def _cmd_nodes(self, _: Payload) -> dict[str, Any]:
        return {"nodes": [r.to_json(self.qstatus.expected_votes) for r in self.roster.nodes.values()]}

    async def _cmd_version(self, _: Payload) -> dict[str, Any]:
        return {"config_version": self.conf.config_version}

    async def _cmd_reload(self, _: Payload) -> dict[str, Any]:
        self.reload()
        return {}

    async def _cmd_expected(self, req: Payload) -> dict[str, Any]:
        try:
            status = self.quorum.set_expected(int(req["votes"]))
        except QuorumError as err:
            raise ControlError(str(err)) from None
        self.log.info(f"expected votes set to {status.expected_votes} (quorum {status.quorum})")
        self.refresh_quorum()
        return {}

    async def _cmd_leave(self, req: Payload) -> dict[str, Any]:
        await self.leave(bool(req.get("remove")))
        return {}

    async def _cmd_kill(self, req: Payload) -> dict[str, Any]:
        target = self.conf.node(str(req["node"]))
        if target is None:
            raise ControlError(f"node {req['node']} is not in the configuration")
        self.link.send({"type": "kill", "nodeid": target.nodeid, "by": self.me.name})
        if target.nodeid == self.me.nodeid:
            self.killed(self.me.name)
        return {}

    async def _cmd_drop(self, req: Payload) -> dict[str, Any]:
        """Fault hook: drop all traffic to and from these node ids (empty list: heal)."""
        self.link.drop({int(n) for n in req.get("peers", [])})
        self.log.info(f"fault: dropping traffic with {sorted(req.get('peers', [])) or 'nobody'}")
        return {}

    async def _cmd_info(self, _: Payload) -> dict[str, Any]:
        logs = {k: str(v) for k, v in self.log_files.items()}
        return {
            "pid": self.pid,
            "incarnation": self.incarnation,
            "logs": logs,
            "events": str(self.events.path),
        }

    def status(self) -> dict[str, Any]:
        members = self.roster.member_ids()
        q = self.qstatus
        return {
            "config_version": self.conf.config_version,
            "cluster_name": self.conf.name,
            "cluster_id": self.conf.cluster_id,
            "member": self.state == "Cluster-Member",
            "generation": self.generation,
            "state": self.state,
            "nodes": len(members),
            "expected_votes": q.expected_votes,
            "quorum_device_votes": q.qdevice_votes if self.conf.quorumd else None,
            "total_votes": q.total_votes,
            "node_votes": self.me.votes,
            "quorum": q.quorum,
            "quorate": q.quorate,
            "active_subsystems": len(SUBSYSTEMS),
            "flags": list(q.flags),
            "ports_bound": [0],
            "node_name": self.me.name,
            "node_id": self.me.nodeid,
            "multicast": [self.conf.multicast_address()],
            "node_addresses": [self.addresses[self.me.nodeid]],
        }
