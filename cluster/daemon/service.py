"""The seam between the node daemon and the cluster services it hosts (fenced now, the resource manager next).

A service implements :class:`ClusterService`: membership views (with the quorum state) and its peers'
messages come in, it answers its own control commands, and it is closed at shutdown. It sees the node only
through a :class:`ServiceContext`: its logger, a way to message the same service on the other nodes, the
node's event stream, and who we are. It never reaches into the Node or into another service; what it needs
from another one is given to it as an input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from cluster.config.model import ClusterConf
from cluster.daemon.control import Handler
from cluster.membership.view import ViewChange

Payload = dict[str, Any]


@dataclass(frozen=True)
class ServiceContext:
    service: str  # messages are routed to the service of the same name on the other nodes
    node_name: str
    nodeid: int
    log: logging.Logger
    _send: Callable[[str, Payload], None]
    _event: Callable[[str, Payload], None]
    _tell: Callable[[str, Payload], None] | None = None

    def send(self, payload: Payload) -> None:
        """To the same service on every other node (best effort, repeated: receivers must be idempotent)."""
        self._send(self.service, payload)

    def event(self, kind: str, **fields: Any) -> None:
        """One line of the node's event stream (docs/events.md)."""
        self._event(kind, fields)

    def tell(self, kind: str, **fields: Any) -> None:
        """A fact for the node's other services only (``on_event``), not a line of the stream: what a peer
        announced is already in that peer's stream."""
        if self._tell is not None:
            self._tell(kind, fields)


class ClusterService(Protocol):
    name: str

    def on_view(self, view: ViewChange, quorate: bool) -> None:
        """A membership view was installed (``quorate``: the node's quorum state with it)."""

    def on_quorum(self, quorate: bool) -> None:
        """The quorum state, given again without a membership change (``cman_tool expected``, a reload)."""

    def on_message(self, sender: int, payload: Payload) -> None:
        """A message the same service sent from node ``sender``."""

    def on_config(self, conf: ClusterConf) -> None:
        """A newer cluster.conf was installed."""

    def commands(self) -> Mapping[str, Handler]:
        """The control commands this service answers (names unique across services)."""
        ...

    async def close(self) -> None:
        """Stop: cancel timers and running work."""


# Optional, by duck typing: ``on_event(kind, fields)`` hears the other services' events (the resource
# manager learns fenced's "victim fenced" so); ``async before_leave()`` runs before a clean leave.


# How the node daemon builds a service: from the cluster.conf it runs and the service's own context.
ServiceFactory = Callable[[ClusterConf, ServiceContext], ClusterService]
