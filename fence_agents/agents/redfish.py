"""fence_redfish: power fencing through a Redfish service (iDRAC, iLO, XCC, OpenBMC...) over HTTPS.

Drop-in for the stock agent (fence-agents 4.12): the same options, stdin names and defaults (``ipport``
443, always HTTPS, ``--ssl-insecure``, ``--redfish-uri`` /redfish/v1, ``--systems-uri``), ``ip:port`` in
the address, the same messages and exit codes. Where the stock agent hangs or is unsafe it does better:
every request has a deadline (``login_timeout`` to connect, ``shell_timeout`` for the answer), the reset's
answer is checked, a session is used when the service has one (and always deleted), AllowableValues are
read before a ResetType is chosen, and ``--method cycle`` sends ForceRestart or PowerCycle when allowed.
A plug names one of several systems (its Id, URI, Name, HostName or UUID): see docs/agent-api.md.
"""

from __future__ import annotations

from fence_agents.device import Device
from fence_agents.request import Request
from fence_agents.spec import AgentSpec, Option, OptType

S, B = OptType.STRING, OptType.BOOLEAN


def base_url(request: Request) -> str:
    """``https://host:port``; a single ``host:port`` in the address wins, as in the stock agent."""
    host, port = (request.ipaddr or "").strip(), str(request.int("ipport", 443))
    if host.count(":") == 1:
        host, port = host.split(":")
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"https://{host}:{port}"


def connect(request: Request) -> Device:
    from fence_agents.agents.redfish_device import RedfishDevice
    from fence_agents.agents.redfish_http import HttpSettings, RedfishHttp

    password = request.password.reveal() if request.password else ""
    settings = HttpSettings(
        base=base_url(request),
        username=request.login or "",
        password=password,
        verify=not request.flag("ssl_insecure"),
        connect_timeout=request.seconds("login_timeout", 5.0),
        read_timeout=request.seconds("shell_timeout", 10.0),
        log=request.log,
    )
    return RedfishDevice(
        RedfishHttp(settings),
        request.str("redfish-uri") or "/redfish/v1",
        request.str("systems-uri"),
        request.log,
    )


OPTIONS = (
    Option("port", "plug", "n", S, None, metavar="ip", extra_names=("plug",),
           shortdesc="System of the Redfish service (its Id, URI, Name, HostName or UUID); the IP address or "
           "hostname of the fencing device together with --port-as-ip"),
    Option("redfish-uri", "redfish-uri", None, S, "/redfish/v1", metavar="uri",
           shortdesc="Base or starting Redfish URI"),
    Option("systems-uri", "systems-uri", None, S, None, metavar="uri",
           shortdesc="Redfish Systems resource URI, i.e. /redfish/v1/Systems/System.Embedded.1"),
    Option("ssl", "ssl", "z", B, "1", shortdesc="Use SSL connection with verifying certificate"),
    Option("ssl_secure", "ssl-secure", None, B, shortdesc="Use SSL connection with verifying certificate"),
    Option("ssl_insecure", "ssl-insecure", None, B,
           shortdesc="Use SSL connection without verifying certificate"),
    Option("gnutlscli_path", "gnutlscli-path", None, S, "/usr/bin/gnutls-cli", metavar="path", order=300,
           shortdesc="Path to gnutls-cli binary"),
)  # fmt: skip

SPEC = AgentSpec(
    name="fence_redfish",
    shortdesc="I/O Fencing agent for Redfish",
    longdesc=(
        "fence_redfish is an I/O Fencing agent which can be used with Out-of-Band controllers that support "
        "Redfish APIs. These controllers provide remote access to control power on a server."
    ),
    vendor_url="http://www.dmtf.org",
    connect=connect,
    uses=("ipaddr", "login", "passwd", "port", "method"),
    options=OPTIONS,
    defaults={"ipport": "443", "shell_timeout": "10"},
    required=("login", "passwd"),
    plug_required=False,
    plugs_optional=True,
    actions=("diag",),
)


def main() -> int:
    from fence_agents.main import run

    return run(SPEC)


if __name__ == "__main__":
    raise SystemExit(main())
