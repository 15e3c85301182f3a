"""The object database cman builds from cluster.conf, and a corosync-objctl style dump of it.

cman's preconfig step loads the whole <cluster> tree, then adds what it derived: ``cluster.cman.nodename``
(when the local node is known) and ``cluster.cman.cluster_id``, and fills the top-level ``totem`` object
with its defaults, the key and the interface (multicast address and port).
"""

from __future__ import annotations

from collections.abc import Iterator

from .model import ClusterConf
from .tree import ConfElement

SECRET_MARK = "***"


def _is_secret(key: str) -> bool:
    return "passw" in key or key == "key"


def cluster_object(conf: ClusterConf, nodename: str | None = None) -> ConfElement:
    """The ``cluster`` object with cman's additions (nodename, cluster_id) appended to ``cman``."""
    cluster = conf.root.copy()
    cman = cluster.find("cman")
    if cman is None:
        cman = ConfElement("cman")
        cluster.children.append(cman)
    # cman's keys last, nodename then cluster_id, also when the configuration already holds them (an LDAP
    # tree made by confdb2ldif does): the same configuration dumps the same from XML and from LDAP
    given_name = cman.attrs.pop("nodename", None)
    given_id = cman.attrs.pop("cluster_id", None)
    if given_name is not None or nodename is not None:
        cman.attrs["nodename"] = given_name if given_name is not None else str(nodename)
    cman.attrs["cluster_id"] = given_id if given_id is not None else str(conf.cluster_id)
    return cluster


def totem_object(conf: ClusterConf, nodename: str | None = None) -> ConfElement:
    totem = ConfElement("totem")
    keys = totem.attrs
    keys["version"] = "2"
    node = conf.node(nodename) if nodename else None
    if node is not None:
        keys["nodeid"] = str(node.nodeid)
    keys["secauth"] = "on" if conf.totem.secauth else "off"
    keys["token"] = str(conf.totem.token)
    keys["join"] = str(conf.totem.join)
    keys["consensus"] = str(conf.consensus)
    keys["fail_recv_const"] = str(conf.totem.fail_recv_const)
    if conf.totem.token_retransmits_before_loss_const is not None:
        keys["token_retransmits_before_loss_const"] = str(conf.totem.token_retransmits_before_loss_const)
    keys["key"] = conf.totem_key().decode("latin-1")
    interface = ConfElement("interface", {"ringnumber": "0"})
    if conf.cman.broadcast:
        interface.attrs["broadcast"] = "yes"
    else:
        interface.attrs["mcastaddr"] = conf.multicast_address()
    interface.attrs["mcastport"] = str(conf.port)
    totem.children.append(interface)
    return totem


def object_database(conf: ClusterConf, nodename: str | None = None) -> list[ConfElement]:
    """The top-level objects: ``cluster``, ``totem`` and the quorum provider."""
    quorum = ConfElement("quorum", {"provider": "quorum_cman"})
    return [cluster_object(conf, nodename), totem_object(conf, nodename), quorum]


def objctl_lines(objects: list[ConfElement], show_secrets: bool = False) -> Iterator[str]:
    """``path.key=value`` lines, depth first, keys before child objects (as corosync-objctl prints)."""

    def walk(obj: ConfElement, prefix: str) -> Iterator[str]:
        path = f"{prefix}.{obj.tag}" if prefix else obj.tag
        for key, value in obj.attrs.items():
            shown = SECRET_MARK if _is_secret(key) and not show_secrets else value
            yield f"{path}.{key}={shown}"
        for child in obj.children:
            yield from walk(child, path)

    for obj in objects:
        yield from walk(obj, "")
