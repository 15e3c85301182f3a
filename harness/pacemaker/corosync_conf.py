"""corosync.conf (Corosync 3, knet) for a cluster.conf's cluster. Pure: a model in, the file's text out.

What cman injected into corosync from cluster.conf becomes what a Corosync 3 admin writes: the cluster
name, the nodelist (nodeid, ring0 address), votequorum with two_node/expected_votes and the votequorum
options, the totem token. A lab has no authkey, so crypto is off (a keyfile in the conf is only noted).
"""

from __future__ import annotations

from collections.abc import Mapping

from cluster.config.model import ClusterConf

from .errors import TranslateError, where

LOGFILE = "/var/log/corosync/corosync.log"


def _explicit(conf: ClusterConf, tag: str) -> dict[str, str]:
    """Attributes the conf itself gives an element (the model fills in cman's defaults)."""
    element = conf.root.find(tag)
    return dict(element.attrs) if element is not None else {}


def _totem(conf: ClusterConf, warnings: list[str]) -> list[str]:
    totem = conf.totem
    given = _explicit(conf, "totem")
    lines = [
        "    version: 2",
        f"    cluster_name: {conf.name}",
        "    transport: knet",
        "    crypto_cipher: none",
        "    crypto_hash: none",
        # cman's token is the whole timeout; corosync 3 adds 650 ms per node past two unless told not to
        f"    token: {totem.token}",
        "    token_coefficient: 0",
    ]
    if "consensus" in given and totem.consensus is not None:
        if totem.consensus < totem.join:  # corosync's totemconfig refuses to start then
            raise TranslateError(
                f"{where(conf.source, totem.line)}: <totem consensus={totem.consensus}> is below join "
                f"({totem.join} ms): corosync refuses a consensus shorter than join"
            )
        if totem.consensus < totem.token and len(conf.nodes) > 2:
            warnings.append(
                f"{where(conf.source, totem.line)}: <totem consensus={totem.consensus}> is below token with "
                "more than two nodes: corosync.conf(5) warns of odd membership changes"
            )
        lines.append(f"    consensus: {totem.consensus}")
    if "join" in given:
        lines.append(f"    join: {totem.join}")
    if "fail_recv_const" in given:
        lines.append(f"    fail_recv_const: {totem.fail_recv_const}")
    if totem.token_retransmits_before_loss_const is not None:
        lines.append(f"    token_retransmits_before_loss_const: {totem.token_retransmits_before_loss_const}")
    if conf.cman.port != 5405:
        lines += ["    interface {", "        linknumber: 0", f"        mcastport: {conf.cman.port}", "    }"]
    if conf.cman.keyfile or conf.totem.keyfile:
        warnings.append(
            f"{where(conf.source, conf.cman.line or conf.totem.line)}: the cluster keyfile is not used: "
            "the lab's corosync runs without crypto (no authkey)"
        )
    if conf.cman.multicast or conf.cman.broadcast:
        warnings.append(
            f"{where(conf.source, conf.cman.line)}: multicast/broadcast settings do not apply: knet "
            "is unicast between the nodelist's addresses"
        )
    return ["totem {", *lines, "}"]


def _nodelist(conf: ClusterConf, addresses: Mapping[str, str]) -> list[str]:
    lines = ["nodelist {"]
    for node in conf.nodes:
        address = addresses.get(node.name)
        if not address:
            raise TranslateError(
                f"{where(conf.source, node.line)}: clusternode {node.name}: no ring0 address given"
            )
        lines += ["    node {", f"        name: {node.name}", f"        nodeid: {node.nodeid}"]
        if node.votes != 1:
            lines.append(f"        quorum_votes: {node.votes}")
        lines += [f"        ring0_addr: {address}", "    }"]
    return [*lines, "}"]


def _quorum(conf: ClusterConf, warnings: list[str]) -> list[str]:
    cman = conf.cman
    lines = ["    provider: corosync_votequorum"]
    if cman.expected_votes and not cman.two_node:
        lines.append(f"    expected_votes: {cman.expected_votes}")
    if cman.two_node:
        # cman spelled a two-node cluster expected_votes="1"; votequorum counts the nodelist's 2 votes and
        # sets quorum to 1 itself (votequorum(5)), and it implies wait_for_all, which cman did not have
        lines.append("    two_node: 1")
        if not cman.wait_for_all:
            warnings.append(
                f"{where(conf.source, cman.line)}: two_node: corosync implies wait_for_all (a node starting "
                "alone waits until it has seen its peer once), which cman's two_node did not"
            )
    if cman.wait_for_all:
        lines.append("    wait_for_all: 1")
    if cman.last_man_standing:
        lines += [
            "    last_man_standing: 1",
            f"    last_man_standing_window: {cman.last_man_standing_window_ms}",
        ]
    if cman.auto_tie_breaker:
        lines.append("    auto_tie_breaker: 1")
    return ["quorum {", *lines, "}"]


def _logging(conf: ClusterConf) -> list[str]:
    debug = conf.logging.effective("corosync").debug
    return [
        "logging {",
        "    to_logfile: yes",
        f"    logfile: {LOGFILE}",
        "    to_stderr: no",
        "    to_syslog: no",
        "    timestamp: on",
        f"    debug: {'on' if debug else 'off'}",
        "}",
    ]


def corosync_conf(conf: ClusterConf, addresses: Mapping[str, str], warnings: list[str]) -> str:
    if conf.quorumd is not None:
        raise TranslateError(
            f"{where(conf.source, conf.quorumd.line)}: <quorumd>: the quorum disk has no Pacemaker "
            "equivalent (corosync-qdevice is a network arbiter, not a disk): remove it to translate"
        )
    header = f"# generated by fencelab from {conf.source} (config_version {conf.config_version})"
    parts = [_totem(conf, warnings), _nodelist(conf, addresses), _quorum(conf, warnings), _logging(conf)]
    return "\n\n".join([header, *("\n".join(p) for p in parts)]) + "\n"
