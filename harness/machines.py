"""Lab nodes that are real machines to the kernel: a network, mount, PID and UTS namespace each.

The lab's network is one bridge in a hub namespace, 192.0.2.0/24 (TEST-NET-1, never routed off this
machine): the hub holds 192.0.2.254 and runs the emulated devices and the clients; node N holds 192.0.2.N
on its eth0, a veth into the bridge. Node names resolve through the node's own /etc/hosts (``ip netns exec``
binds /etc/netns/<ns>/hosts over it), so the cluster.conf keeps its names and nothing depends on DNS.

A node is launched as ``ip netns exec NS unshare --pid --fork --kill-child --mount --uts ... sh -c '...'``:
its program is PID 1 of a fresh PID namespace, so when the wired outlet SIGKILLs the launcher's process
group the kernel kills every process the node ever started (daemons that called setsid included), and its
private mounts (a floating filesystem) vanish with the last of them. The node gets its own tmpfs /run and
its own hostname.

Namespaces are named ``fl-<what>-<pid>-<n>`` (see harness.namespaces); ``sweep_leftovers`` removes those of
labs whose process was SIGKILLed before it could clean up.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.namespaces import NETNS_DIR, NetNamespace, NetnsError, ip, kill_all, leftovers

SUBNET = ipaddress.ip_network("192.0.2.0/24")
HUB_ADDRESS = "192.0.2.254"
ETC_NETNS = Path("/etc/netns")


def node_address(nodeid: int) -> str:
    if not 1 <= nodeid <= 253:
        raise ValueError(f"node id {nodeid} does not fit in {SUBNET} (1..253)")
    return str(SUBNET.network_address + nodeid)


def machines_supported() -> str | None:
    """None when this process can build machine labs, else why not (one line)."""
    if os.geteuid() != 0:
        return "lab nodes as machines need root (network and mount namespaces); ip/fs resources need them"
    for tool in ("ip", "unshare", "nsenter"):
        if shutil.which(tool) is None:
            return f"lab nodes as machines need '{tool}' (iproute2 / util-linux)"
    return None


class Network:
    """The hub namespace with its bridge, and one namespace per node cabled into it."""

    def __init__(self, names: Mapping[int, str]) -> None:
        sweep_leftovers()
        self.names = dict(names)
        self.hub = NetNamespace("hub")
        self.nodes: dict[int, NetNamespace] = {}
        try:
            ip("-n", self.hub.name, "link", "add", "br0", "type", "bridge")
            ip("-n", self.hub.name, "addr", "add", f"{HUB_ADDRESS}/24", "dev", "br0")
            ip("-n", self.hub.name, "link", "set", "br0", "up")
            for nodeid in self.names:
                self._add_node(nodeid)
        except BaseException:
            self.close()
            raise

    def _add_node(self, nodeid: int) -> None:
        ns = NetNamespace(f"n{nodeid}")
        self.nodes[nodeid] = ns
        peer = f"n{nodeid}"
        ip(
            "link",
            "add",
            "eth0",
            "netns",
            ns.name,
            "type",
            "veth",
            "peer",
            "name",
            peer,
            "netns",
            self.hub.name,
        )
        ip("-n", self.hub.name, "link", "set", peer, "master", "br0")
        ip("-n", self.hub.name, "link", "set", peer, "up")
        ip("-n", ns.name, "addr", "add", f"{node_address(nodeid)}/24", "dev", "eth0")
        ip("-n", ns.name, "link", "set", "eth0", "up")
        etc = ETC_NETNS / ns.name
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "hosts").write_text(self.hosts_file())

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def hosts_file(self) -> str:
        lines = ["127.0.0.1\tlocalhost", f"{HUB_ADDRESS}\thub"]
        lines += [f"{node_address(n)}\t{name}" for n, name in sorted(self.names.items())]
        return "\n".join(lines) + "\n"

    # ---- running things ------------------------------------------------------------------------------
    def in_hub(self, argv: Sequence[str]) -> list[str]:
        """argv that runs a device or a client on the lab network (in the hub)."""
        return self.hub.exec_argv(argv)

    def boot_argv(self, nodeid: int, argv: Sequence[str]) -> list[str]:
        """argv that boots node N as a machine running argv (what its outlet powers)."""
        init = [sys.executable, "-m", "harness.machine_init", "--address", f"{node_address(nodeid)}/24",
                "--hostname", self.names[nodeid], "--", *argv]  # fmt: skip
        return self.nodes[nodeid].exec_argv(
            ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--uts", "--propagation", "private",
             "--mount-proc", *init]
        )  # fmt: skip

    def host_pid(self, nodeid: int, marker: str) -> int | None:
        """The host's pid of node N's process whose command line contains marker (pid files inside a
        machine hold the machine's own pids)."""
        for pid in self.node_pids(nodeid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and "machine_init" not in cmdline:
                return pid
        return None

    def node_pids(self, nodeid: int) -> list[int]:
        return self.nodes[nodeid].pids()

    def init_pid(self, nodeid: int) -> int | None:
        """The host pid of node N's PID 1 (machine_init): inside every namespace of the machine, unlike the
        ``unshare`` launcher that shares only its network namespace."""
        for pid in self.node_pids(nodeid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            nspid = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [])
            if len(nspid) >= 2 and nspid[-1] == "1":
                return pid
        return None

    def power_off(self, nodeid: int) -> None:
        """Every process of node N dies at once, as when its power is cut, and its network forgets what
        they configured (a floating address must not survive a power cycle: it would be on two nodes)."""
        kill_all(self.node_pids(nodeid))
        ns = self.nodes[nodeid].name
        ip("-n", ns, "addr", "flush", "dev", "eth0")
        ip("-n", ns, "addr", "add", f"{node_address(nodeid)}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")

    def link(self, nodeid: int, up: bool) -> None:
        """Pull (or plug back) node N's network cable: a real partition."""
        ip("-n", self.hub.name, "link", "set", f"n{nodeid}", "up" if up else "down")

    def close(self) -> None:
        for ns in self.nodes.values():
            ns.close()
            shutil.rmtree(ETC_NETNS / ns.name, ignore_errors=True)
        self.hub.close()


def sweep_leftovers() -> list[str]:
    """Remove the namespaces (and /etc/netns entries) of labs that were killed before they cleaned up."""
    removed = []
    for name in leftovers():
        try:
            kill_all([int(p) for p in ip("netns", "pids", name).split()])
            ip("netns", "del", name)
        except NetnsError:
            continue
        shutil.rmtree(ETC_NETNS / name, ignore_errors=True)
        removed.append(name)
    if ETC_NETNS.is_dir():  # an /etc/netns entry whose namespace is already gone
        for entry in ETC_NETNS.iterdir():
            if entry.name.startswith("fl-") and not (NETNS_DIR / entry.name).exists():
                shutil.rmtree(entry, ignore_errors=True)
    return removed
