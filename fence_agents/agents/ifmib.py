"""fence_ifmib: fabric fencing through IF-MIB ifAdminStatus, over SNMP v1/v2c/v3, with pysnmp.

A drop-in for the stock agent's calling conventions: the plug is an ifIndex (digits) or an interface name
matched against ifDescr; ``off`` sets ifAdminStatus down (2), ``on`` (unfence) sets it up (1); status is
ON only for up (1), anything else (down, testing) is OFF. ``list`` shows ifDescr with ifAlias.
Fabric semantics: no reboot, default action off, ``on`` is automatic in metadata. The stock agent shells
out to net-snmp for every request; this one keeps one UDP socket for the run. The net-snmp path options
(``--snmpget-path``...) are accepted and ignored, so existing configurations keep working. The
declaration only: the device (:mod:`ifmib_device`) is imported when an action runs.
"""

from __future__ import annotations

from fence_agents.spec import AgentSpec, connect_to

SPEC = AgentSpec(
    name="fence_ifmib",
    shortdesc="Fence agent for IF MIB",
    longdesc=(
        "fence_ifmib is a fabric fencing agent for any SNMP IF-MIB capable device (managed Ethernet or "
        "Fibre Channel switches). It cuts a node's path to shared storage by setting IF-MIB::ifAdminStatus "
        "of the node's switch port down, and unfences it by setting the port up again. The plug is an "
        "ifIndex or an interface name (ifDescr). SNMP v1, v2c and v3 are spoken natively (pysnmp)."
    ),
    vendor_url="http://www.ietf.org/wg/concluded/ifmib.html",
    connect=connect_to("fence_agents.agents.ifmib_device:IfMibDevice"),
    uses=("ipaddr", "login", "passwd", "port", "community"),
    defaults={"snmp_version": "2c", "ipport": "161"},
    fabric=True,
)


def main() -> int:
    from fence_agents.main import run

    return run(SPEC)


if __name__ == "__main__":
    raise SystemExit(main())
