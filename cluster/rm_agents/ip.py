#!/usr/bin/python3
"""OCF agent `ip`: a floating IP address on the interface whose subnet holds it (rgmanager's ip.sh).

start adds the address with iproute2 to the interface that already has an address in the same subnet
(preferring `prefer_interface`), then announces it with gratuitous ARP so neighbours update their caches
at once; stop removes it and sleeps `sleeptime` seconds (rgmanager's default 10) so that a move to another
node does not race the caches; status checks that the address is configured and, with monitor_link, that
the interface has a carrier.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import ocf_lib as ocf  # noqa: E402
from ocf_lib import Action, AgentError, AgentSpec, Param  # noqa: E402

SPEC = AgentSpec(
    name="ip",
    shortdesc="IP Address",
    longdesc="A floating IPv4 or IPv6 address, configured on the interface whose subnet holds it.",
    params=(
        Param(
            "address",
            "IP Address",
            "IPv4 or IPv6 address, optionally with /prefix.",
            required=True,
            unique=True,
            primary=True,
        ),
        Param("family", "Family", "inet or inet6; derived from the address when empty."),
        Param("monitor_link", "Monitor NIC Link", kind="boolean", default="1"),
        Param("nfslock", "Enable NFS lock workarounds", kind="boolean", inherit="service%nfslock"),
        Param(
            "sleeptime",
            "Amount of time (seconds) to sleep after removing the address",
            kind="integer",
            default="10",
        ),
        Param("disable_rdisc", "Disable updating of routing using RDISC protocol", kind="boolean"),
        Param("prefer_interface", "Network interface to use when several hold the subnet"),
    ),
    actions=(
        Action("start", 20),
        Action("stop", 20),
        Action("status", 10, interval=20, rgmanager_only=True),
        Action("status", 20, interval=60, depth=10, rgmanager_only=True),
        Action("monitor", 10, interval=20, ocf_only=True),
        Action("meta-data", 20),
        Action("validate-all", 20),
    ),
    max_instances=1,
)


def parse_address(req: ocf.Request) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    raw = req.get("address").strip()
    if not raw:
        raise AgentError(ocf.OCF_ERR_CONFIGURED, "parameter 'address' is required")
    try:
        iface = ipaddress.ip_interface(raw)
    except ValueError:
        raise AgentError(ocf.OCF_ERR_CONFIGURED, f"'{raw}' is not an IP address") from None
    family = req.get("family")
    if family and family not in ("inet", "inet6"):
        raise AgentError(ocf.OCF_ERR_CONFIGURED, f"family must be inet or inet6, not '{family}'")
    if family and (family == "inet6") != (iface.version == 6):
        raise AgentError(ocf.OCF_ERR_CONFIGURED, f"address {raw} is not of family {family}")
    return iface


def configured() -> list[tuple[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface]]:
    """Every (interface, address/prefix) the kernel has, from `ip -o addr show`."""
    out = ocf.run(["ip", "-o", "addr", "show"], timeout=10)
    if out.returncode != 0:
        raise AgentError(ocf.OCF_ERR_GENERIC, f"ip addr show: {ocf.first_line(out.stderr)}")
    found = []
    for line in out.stdout.splitlines():
        words = line.split()
        if len(words) < 4 or words[2] not in ("inet", "inet6"):
            continue
        name = words[1].split("@", 1)[0]
        try:
            found.append((name, ipaddress.ip_interface(words[3])))
        except ValueError:
            continue
    return found


def choose_interface(
    target: ipaddress.IPv4Interface | ipaddress.IPv6Interface,
    have: list[tuple[str, ipaddress.IPv4Interface | ipaddress.IPv6Interface]],
    prefer: str,
    explicit_prefix: bool = False,
) -> tuple[str, int]:
    """The interface (and prefix) whose configured subnet holds the target; an explicit prefix wins."""
    matches = [
        (name, addr.network.prefixlen)
        for name, addr in have
        if addr.version == target.version and addr.ip != target.ip and target.ip in addr.network
    ]
    if not matches:
        raise AgentError(ocf.OCF_ERR_GENERIC, f"no interface has a subnet that holds {target.ip}")
    chosen = next((m for m in matches if m[0] == prefer), matches[0])
    return chosen[0], target.network.prefixlen if explicit_prefix else chosen[1]


def holder(target: ipaddress.IPv4Interface | ipaddress.IPv6Interface) -> str | None:
    for name, addr in configured():
        if addr.ip == target.ip:
            return name
    return None


def link_up(name: str) -> bool:
    try:
        with open(f"/sys/class/net/{name}/carrier", encoding="ascii") as fh:
            return fh.read().strip() == "1"
    except OSError:  # an interface that is administratively down has no readable carrier
        return False


def gratuitous_arp(name: str, ip: ipaddress.IPv4Address, count: int = 2) -> None:
    """Broadcast unsolicited ARP requests for our own address (what `arping -U` sends)."""
    try:
        with open(f"/sys/class/net/{name}/address", encoding="ascii") as fh:
            mac = bytes.fromhex(fh.read().strip().replace(":", ""))
    except (OSError, ValueError):
        return
    if len(mac) != 6:
        return
    broadcast = b"\xff" * 6
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip.packed + b"\x00" * 6 + ip.packed
    frame = broadcast + mac + struct.pack("!H", 0x0806) + arp
    try:
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
            sock.bind((name, 0))
            for _ in range(count):
                sock.send(frame)
    except OSError as err:  # no carrier, no permission: the address still works, caches learn later
        ocf.log(SPEC, f"gratuitous ARP on {name} not sent: {err.strerror}")


def start(req: ocf.Request) -> int:
    target = parse_address(req)
    if holder(target) is not None:
        return ocf.OCF_SUCCESS
    explicit = "/" in req.get("address")
    name, prefix = choose_interface(target, configured(), req.get("prefer_interface"), explicit)
    if req.flag("monitor_link") and not link_up(name):
        raise AgentError(ocf.OCF_ERR_GENERIC, f"interface {name} has no link; not adding {target.ip}")
    argv = ["ip", "addr", "add", f"{target.ip}/{prefix}", "dev", name]
    if target.version == 4:
        argv[4:4] = ["brd", "+"]
    out = ocf.run(argv, timeout=10)
    if out.returncode != 0:
        raise AgentError(ocf.OCF_ERR_GENERIC, f"adding {target.ip} to {name}: {ocf.first_line(out.stderr)}")
    if isinstance(target.ip, ipaddress.IPv4Address):
        gratuitous_arp(name, target.ip)
    return ocf.OCF_SUCCESS


def stop(req: ocf.Request) -> int:
    target = parse_address(req)
    name = holder(target)
    if name is None:
        return ocf.OCF_SUCCESS
    owned = next(a for n, a in configured() if n == name and a.ip == target.ip)
    out = ocf.run(["ip", "addr", "del", owned.with_prefixlen, "dev", name], timeout=10)
    if out.returncode != 0:
        raise AgentError(
            ocf.OCF_ERR_GENERIC, f"removing {target.ip} from {name}: {ocf.first_line(out.stderr)}"
        )
    try:
        pause = float(req.get("sleeptime") or 0)
    except ValueError:
        pause = 10.0
    if pause > 0:
        time.sleep(min(pause, 600.0))  # rgmanager's settle time after removal, not a synchronisation
    return ocf.OCF_SUCCESS


def status(req: ocf.Request) -> int:
    target = parse_address(req)
    name = holder(target)
    if name is None:
        return ocf.OCF_NOT_RUNNING
    if req.flag("monitor_link") and not link_up(name):
        ocf.log(SPEC, f"{target.ip} is on {name}, which has no link")
        return ocf.OCF_ERR_GENERIC
    if req.depth >= 10:  # the kernel must accept the address as local: bind a socket to it
        family = socket.AF_INET6 if target.version == 6 else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.bind((str(target.ip), 0))
        except OSError as err:
            ocf.log(SPEC, f"{target.ip} is configured but not usable: {err.strerror}")
            return ocf.OCF_ERR_GENERIC
    return ocf.OCF_SUCCESS


def validate(req: ocf.Request) -> int:
    parse_address(req)
    return ocf.OCF_SUCCESS


if __name__ == "__main__":
    sys.exit(ocf.main(SPEC, {"start": start, "stop": stop, "status": status, "validate-all": validate}))
