"""fence_ipmilan: power fencing through a BMC over IPMI 2.0 (RMCP+), on our own lean RMCP+ client
(:mod:`fence_agents.ipmi`). No ipmitool.

Option-compatible with the stock agent (``-P/--lanplus``, ``-C/--cipher``, ``-L/--privlvl``, ``-A/--auth``,
``--hexadecimal-kg``, ``-m/--method cycle``, ``-o diag``, ``-u/--ipport`` 623, ``power_wait`` 2) and its
symlink names with their defaults (``fence_ipmilanplus``, ``fence_ilo3`` (power_wait 4), ``fence_ilo4``,
``fence_ilo5``, ``fence_idrac``, ``fence_imm``). The address is the target: no plug is needed (with
``--port-as-ip`` the plug is the address). ``--ipmitool-path``, ``--ipmitool-timeout``, ``--use-sudo`` and
``--sudo-path`` are accepted so existing configurations keep working; nothing is executed.

One login per run (cipher suite 17, falling back to 3; ``-C 3`` only 3); status is Get Chassis Status, power
changes are Chassis Control; the framework verifies by polling. ``--lanplus`` off does not downgrade to IPMI
1.5: the client speaks 2.0, which every BMC from this century offers. ``--target`` (IPMB bridging) goes
through pyghmi, which implements Send Message.
"""

from __future__ import annotations

from fence_agents.agents.ipmi_errors import PRIVILEGE_LEVELS
from fence_agents.agents.ipmi_rmcp import IpmiTarget, RmcpSession
from fence_agents.device import Device, PowerState
from fence_agents.errors import NotSupported, UsageError
from fence_agents.request import Request
from fence_agents.spec import AgentSpec, Option, OptType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.agents.ipmi_session import IpmiSession

NETFN_CHASSIS = 0x00
CONTROL = {"off": 0, "on": 1, "cycle": 2, "reset": 3, "diag": 4, "soft": 5}
SUPPORTED_CIPHERS = ("3", "17")


class IpmiDevice(Device):
    """A BMC; ``plug`` is always None (the address is the machine)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.session: RmcpSession | IpmiSession | None = None

    def login(self) -> None:
        target = target_from(self.request)
        session: RmcpSession | IpmiSession
        if target.bridge is not None:  # IPMB bridging: pyghmi's session, which implements Send Message
            from fence_agents.agents.ipmi_session import IpmiSession

            session = IpmiSession(target)
        else:
            session = RmcpSession(target, debug=self.request.log.debug)
        session.open()
        self.session = session

    def _command(self, what: str, command: int, data: tuple[int, ...] = ()) -> bytes:
        assert self.session is not None, "login first"
        return self.session.command(what, NETFN_CHASSIS, command, data)

    def get_power(self, plug: str | None) -> PowerState:
        return chassis_power(self._command("chassis status", 0x01))

    def set_power(self, plug: str | None, state: PowerState) -> None:
        word = "on" if state is PowerState.ON else "off"
        self._command(f"power {word}", 0x02, (CONTROL[word],))

    def cycle(self, plug: str | None) -> None:
        self._command("power cycle", 0x02, (CONTROL["cycle"],))

    def diag(self, plug: str | None) -> None:
        self._command("diagnostic interrupt", 0x02, (CONTROL["diag"],))

    def list_plugs(self) -> dict[str, str]:
        raise NotSupported("list")

    def logout(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.close()


def chassis_power(data: bytes) -> PowerState:
    """Power state from a Get Chassis Status answer; one shorter than its 3 mandatory bytes is no such
    answer (a truncated or foreign reply) and says nothing about the power."""
    if len(data) < 3:
        return PowerState.UNKNOWN
    return PowerState.ON if data[0] & 0x01 else PowerState.OFF


def target_from(request: Request) -> IpmiTarget:
    """The connection settings from the parsed options (validated here: bad values are usage errors)."""
    cipher_text = (request.str("cipher") or "").strip()
    if cipher_text and cipher_text not in SUPPORTED_CIPHERS:
        raise UsageError(f"Failed: cipher suite {cipher_text} is not supported (use 3 or 17)")
    kg_secret = request.secret("hexadecimal_kg")
    kg_text = kg_secret.reveal().strip() if kg_secret else ""
    try:
        kg = bytes.fromhex(kg_text.removeprefix("0x")) if kg_text else None
    except ValueError:
        raise UsageError("Failed: --hexadecimal-kg must be hexadecimal digits") from None
    target_text = (request.str("target") or "").strip()
    try:
        bridge = int(target_text, 0) if target_text else None
    except ValueError:
        raise UsageError("Failed: --target must be an IPMB address such as 0x72") from None
    password = request.password.reveal() if request.password else ""
    return IpmiTarget(
        host=request.ipaddr or "",
        port=request.int("ipport", 623),
        username=request.login or "",
        password=password,
        privilege=PRIVILEGE_LEVELS.get((request.str("privlvl") or "administrator").lower(), 4),
        kg=kg,
        cipher=int(cipher_text) if cipher_text else None,
        bridge=bridge,
        login_timeout=request.seconds("login_timeout", 5.0),
        command_timeout=request.seconds("shell_timeout", 3.0),
    )


def connect(request: Request) -> Device:
    return IpmiDevice(request)


S, B, SEL = OptType.STRING, OptType.BOOLEAN, OptType.SELECT

OPTIONS = (
    Option("lanplus", "lanplus", "P", B, "0", shortdesc="Use Lanplus to improve security of connection",
           usage="Use Lanplus to improve security of connection"),
    Option("auth", "auth", "A", SEL, None, choices=("md5", "password", "none"), metavar="auth",
           shortdesc="IPMI Lan Auth type.", usage="IPMI Lan Auth type (md5|password|none)"),
    Option("cipher", "cipher", "C", S, None, metavar="cipher",
           shortdesc="Ciphersuite to use (same as ipmitool -C parameter)"),
    Option("privlvl", "privlvl", "L", SEL, "administrator", metavar="level",
           choices=("callback", "user", "operator", "administrator"),
           shortdesc="Privilege level on IPMI device",
           usage="Privilege level on IPMI device\n(callback|user|operator|administrator)"),
    Option("target", "target", None, S, None, metavar="targetaddress",
           shortdesc="Bridge IPMI requests to the remote target address"),
    Option("hexadecimal_kg", "hexadecimal-kg", None, S, None, metavar="key", secret=True,
           shortdesc="Hexadecimal-encoded Kg key for IPMIv2 authentication"),
    Option("ipmitool_path", "ipmitool-path", None, S, "/usr/bin/ipmitool", order=200, metavar="path",
           shortdesc="Path to ipmitool binary"),
    Option("ipmitool_timeout", "ipmitool-timeout", None, S, "2", order=201, metavar="timeout",
           shortdesc="Timeout (sec) for IPMI operation"),
    Option("sudo", "use-sudo", None, B, order=205, extra_names=("use_sudo",),
           shortdesc="Use sudo (without password) when calling 3rd party software"),
    Option("sudo_path", "sudo-path", None, S, "/usr/bin/sudo", order=300, metavar="path",
           shortdesc="Path to sudo binary"),
)  # fmt: skip

SYMLINKS = {
    "fence_ilo3": {"shortdesc": "Fence agent for HP iLO3", "lanplus": "1", "power_wait": "4"},
    "fence_ilo4": {"shortdesc": "Fence agent for HP iLO4", "lanplus": "1"},
    "fence_ilo5": {"shortdesc": "Fence agent for HP iLO5", "lanplus": "1"},
    "fence_ipmilanplus": {"shortdesc": "Fence agent for IPMIv2 lanplus", "lanplus": "1"},
    "fence_imm": {"shortdesc": "Fence agent for IBM Integrated Management Module"},
    "fence_idrac": {"shortdesc": "Fence agent for Dell iDRAC"},
}

SPEC = AgentSpec(
    name="fence_ipmilan",
    shortdesc="Fence agent for IPMI",
    longdesc=(
        "fence_ipmilan powers a machine off, on or through a cycle by talking to its baseboard management "
        "controller over IPMI 2.0 (RMCP+) with its own client: ipmitool is not needed. The address is the "
        "BMC's; there is no plug. Prefer the default method onoff, which verifies that the machine really "
        "went off: with method cycle the BMC acknowledges a single command and nothing is verified."
    ),
    vendor_url="",
    connect=connect,
    uses=("ipaddr", "login", "passwd", "method"),
    options=OPTIONS,
    defaults={"ipport": "623", "power_wait": "2"},
    plug_required=False,
    actions=("diag",),
    symlinks=SYMLINKS,
)


def main() -> int:
    from fence_agents.main import run

    return run(SPEC)


if __name__ == "__main__":
    raise SystemExit(main())
