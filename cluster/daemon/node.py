"""The node daemon: config + membership + quorum + fenced + logging + the control socket, in one process.

One process per cluster node (``python -m cluster.daemon -c cluster.conf -n NODE --run-dir DIR``). The run
directory holds the control socket, the pid file and (by default) the re-rooted log files.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from cluster.config import ConfigError, load_cluster_conf
from cluster.config.model import ClusterConf
from cluster.daemon.control import ControlError, ControlServer
from cluster.daemon.fencing import FencedService
from cluster.daemon.handlers import handlers
from cluster.daemon.link import MembershipLink, View
from cluster.daemon.logs import setup_logging
from cluster.daemon.roster import Roster
from cluster.fenced.domain import MembershipView
from cluster.fenced.from_config import plan_from_config
from cluster.fenced.history import FenceRecord
from cluster.quorum import Quorum, QuorumConfig, QuorumStatus

SUBSYSTEMS = ("corosync", "cman", "fenced")


class Node:
    def __init__(
        self,
        conf: ClusterConf,
        conf_path: str,
        node_name: str,
        run_dir: str,
        log_root: str | None = None,
        agent_search: tuple[str, ...] = (),
        agent_timeout: float = 60.0,
    ) -> None:
        me = conf.node(node_name)
        if me is None:
            raise ControlError(f"node {node_name!r} is not in {conf_path}")
        self.conf = conf
        self.conf_path = conf_path
        self.agent_timeout = agent_timeout
        self.me = me
        self.run_dir = Path(run_dir)
        self.log_files = setup_logging(conf.logging, log_root or str(self.run_dir))
        self.log = logging.getLogger("cman")
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
        self.state = "Joining"
        self.started = time.time()
        self.fenced = FencedService(
            plan_from_config(conf, agent_timeout=agent_timeout),
            me.nodeid,
            self._announce,
            logging.getLogger("fenced"),
            agent_search,
        )
        self._stopped = asyncio.Event()
        self._joined_once = False
        self.control = ControlServer(self.run_dir, handlers(self))

    # ---- lifecycle ----------------------------------------------------------------------------------
    async def run(self) -> int:
        self.run_dir.mkdir(parents=True, exist_ok=True)
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
            where = f"{self.addresses[self.me.nodeid]} (port {self.conf.cman.port})"
            raise OSError(err.errno, f"cannot start the cluster link on {where}: {err.strerror}") from None
        self.log.info(
            f"node {self.me.name} (nodeid {self.me.nodeid}) starting, config version "
            f"{self.conf.config_version}, address {self.addresses[self.me.nodeid]}"
        )
        await self._stopped.wait()
        await self.shutdown()
        return 0

    def stop(self) -> None:
        self._stopped.set()

    async def shutdown(self) -> None:
        self.state = "Not-in-Cluster"
        await self.link.close()
        await self.fenced.close()
        await self.control.close()
        (self.run_dir / "node.pid").unlink(missing_ok=True)
        self.log.info(f"node {self.me.name} stopped")

    async def leave(self, remove: bool) -> None:
        self.state = "Leaving"
        self.log.info(f"leaving the cluster{' (remove)' if remove else ''}")
        await self.link.leave(remove)
        asyncio.get_running_loop().call_soon(self._stopped.set)

    # ---- membership ---------------------------------------------------------------------------------
    def _on_view(self, view: View) -> None:
        now = time.time()
        self.generation = view.generation
        joined, lost = self.roster.install(view.generation, view.members, now)
        for nodeid in sorted(lost):
            how = "left" if nodeid in view.left else "lost"
            self.log.info(f"node {self.roster.nodes[nodeid].name} {how} (generation {view.generation})")
        for nodeid in sorted(joined):
            self.log.info(f"node {self.roster.nodes[nodeid].name} joined (generation {view.generation})")
        self._set_quorum(self.quorum.update_members(self.roster.member_ids(), now, view.removed))
        self.state = "Cluster-Member"
        members = {n: self.roster.nodes[n].incarnation or "" for n in self.roster.member_ids()}
        self.fenced.membership(
            MembershipView(view.generation, members, self.qstatus.quorate, frozenset(view.left))
        )
        if not self._joined_once:
            self._joined_once = True
            self.fenced.unfence_self()

    def _set_quorum(self, status: QuorumStatus) -> None:
        if status.quorate != self.qstatus.quorate:
            self.log.info("quorum regained" if status.quorate else "quorum lost, blocking activity")
        self.qstatus = status

    def refresh_quorum(self) -> None:
        """After ``cman_tool expected``: quorum may change without a membership change."""
        self._set_quorum(self.quorum.status())
        members = {n: self.roster.nodes[n].incarnation or "" for n in self.roster.member_ids()}
        self.fenced.membership(MembershipView(self.generation, members, self.qstatus.quorate))

    def killed(self, by: str) -> None:
        """``cman_tool kill``: stop at once, without a clean leave (the others see a failure)."""
        self.log.error(f"cman killed by node {by} because we were killed by cman_tool")
        self.link.abort()
        self._stopped.set()

    def reload(self) -> None:
        """``cman_tool version -r``: load the newer cluster.conf here, then tell the other nodes."""
        new = self._load_newer()
        self._install(new)
        self.link.send({"type": "reload", "version": new.config_version})

    def _load_newer(self) -> ClusterConf:
        try:
            new = load_cluster_conf(self.conf_path)
        except (ConfigError, OSError) as err:
            raise ControlError(str(err)) from None
        if new.config_version <= self.conf.config_version:
            raise ControlError("Not reloading, config version older or equal the running config")
        return dataclasses.replace(new, cman=dataclasses.replace(new.cman, port=self.conf.port))

    def _install(self, new: ClusterConf) -> None:
        self.conf = new
        self.quorum.reload(QuorumConfig.from_conf(new))
        self.quorum.set_config_error(False)
        self.fenced.domain.plan = plan_from_config(new, agent_timeout=self.agent_timeout)
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

    def _announce(self, nodeid: int, record: FenceRecord) -> None:
        self.link.send({"type": "fenced", "nodeid": nodeid, "record": record.to_json()})

    def _on_message(self, sender: int, payload: dict[str, Any]) -> None:
        if payload.get("type") == "reload":
            self._peer_reload(int(payload.get("version", 0)))
        elif payload.get("type") == "kill" and payload.get("nodeid") == self.me.nodeid:
            self.killed(str(payload.get("by", sender)))
        elif payload.get("type") == "fenced":
            record = FenceRecord.from_json(payload["record"])
            self.fenced.peer_fenced(int(payload["nodeid"]), record)

    # ---- views for the tools ------------------------------------------------------------------------
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

    def nodes(self) -> list[dict[str, Any]]:
        return [r.to_json(self.qstatus.expected_votes) for r in self.roster.nodes.values()]
