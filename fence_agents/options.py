"""The common option table shared by every agent, and how an agent's option set is assembled.

Keys, flags, defaults, descriptions and metadata sort order follow ClusterLabs fence-agents so that
configurations written for the stock agents keep working. An agent names the common options it uses in
``AgentSpec.uses``; :func:`agent_options` adds the options every agent has and the options implied by
others (``passwd`` brings ``passwd_script``, ``ipaddr`` brings ``ipport``, ...), then the agent's own.
No I/O and no heavy imports: ``-o metadata`` reads this module.
"""

from __future__ import annotations

from fence_agents.spec import Action, AgentSpec, Option, OptType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

S, INT, SEC, B, SEL = OptType.STRING, OptType.INTEGER, OptType.SECOND, OptType.BOOLEAN, OptType.SELECT

# fmt: off
_TABLE: tuple[Option, ...] = (
    Option('action', 'action', 'o', S, default='reboot', required=True, metavar='action',
        shortdesc='Fencing action'),
    Option('ipaddr', 'ip', 'a', S, required=True, metavar='ip',
        shortdesc='IP address or hostname of fencing device'),
    Option('ipport', 'ipport', 'u', INT, metavar='port', usage='TCP/UDP port to use for connection',
        shortdesc='TCP/UDP port to use for connection with device'),
    Option('login', 'username', 'l', S, metavar='name', shortdesc='Login name'),
    Option('passwd', 'password', 'p', S, metavar='password', secret=True,
        shortdesc='Login password or passphrase'),
    Option('passwd_script', 'password-script', 'S', S, metavar='script',
        shortdesc='Script to run to retrieve password'),
    Option('port', 'plug', 'n', S, required=True, metavar='id', extra_names=('plug',),
        shortdesc='Physical plug number on device, UUID or identification of machine'),
    Option('port_as_ip', 'port-as-ip', None, B, order=200,
        shortdesc='Make "port/plug" to be an alias to IP address'),
    Option('secure', 'ssh', 'x', B, shortdesc='Use SSH connection'),
    Option('identity_file', 'identity-file', 'k', S, metavar='filename',
        shortdesc='Identity file (private key) for SSH'),
    Option('ssh_options', 'ssh-options', None, S, metavar='options', shortdesc='SSH options to use'),
    Option('cmd_prompt', 'command-prompt', 'c', S, metavar='prompt',
        shortdesc='Force Python regex for command prompt'),
    Option('serial_port', 'serial-port', None, S, metavar='device',
        shortdesc='Serial device the switch is attached to (instead of telnet or ssh)'),
    Option('serial_speed', 'serial-speed', None, INT, default='9600', metavar='baud',
        shortdesc='Speed of the serial line in baud'),
    Option('inet4_only', 'inet4-only', '4', B, shortdesc='Forces agent to use IPv4 addresses only'),
    Option('inet6_only', 'inet6-only', '6', B, shortdesc='Forces agent to use IPv6 addresses only'),
    Option('method', 'method', 'm', SEL, default='onoff', choices=('onoff', 'cycle'), metavar='method',
        usage='Method to fence (onoff|cycle) (Default: onoff)',
        shortdesc='Method to fence'),
    Option('snmp_version', 'snmp-version', 'd', SEL, choices=('1', '2c', '3'), metavar='version',
        usage='Specifies SNMP version to use (1|2c|3)',
        shortdesc='Specifies SNMP version to use'),
    Option('community', 'community', 'c', S, metavar='community', secret=True,
        shortdesc='Set the community string'),
    Option('snmp_auth_prot', 'snmp-auth-prot', 'b', SEL, choices=('MD5', 'SHA'), metavar='prot',
        usage='Set authentication protocol (MD5|SHA)',
        shortdesc='Set authentication protocol'),
    Option('snmp_sec_level', 'snmp-sec-level', 'E', SEL, choices=('noAuthNoPriv', 'authNoPriv',
        'authPriv'), metavar='level', usage='Set security level (noAuthNoPriv|authNoPriv|authPriv)',
        shortdesc='Set security level'),
    Option('snmp_priv_prot', 'snmp-priv-prot', 'B', SEL, choices=('DES', 'AES'), metavar='prot',
        usage='Set privacy protocol (DES|AES)',
        shortdesc='Set privacy protocol'),
    Option('snmp_priv_passwd', 'snmp-priv-passwd', 'P', S, metavar='pass', secret=True,
        shortdesc='Set privacy protocol password'),
    Option('snmp_priv_passwd_script', 'snmp-priv-passwd-script', 'R', S,
        shortdesc='Script to run to retrieve privacy password'),
    Option('quiet', 'quiet', 'q', B, order=50,
        shortdesc='Disable logging to stderr. Does not affect --verbose or --debug-file or logging to '
        'syslog.'),
    Option('verbose', 'verbose', 'v', B, order=51,
        shortdesc='Verbose mode. Multiple -v flags can be stacked on the command line (e.g., -vvv) to '
        'increase verbosity.'),
    Option('verbose_level', 'verbose-level', None, INT, order=52,
        shortdesc='Level of debugging detail in output. Defaults to the number of --verbose flags specified '
        'on the command line, or to 1 if verbose=1 in a stonith device configuration (i.e., on '
        'stdin).'),
    Option('debug', 'debug-file', 'D', S, metavar='debugfile', order=53, usage='Debugging to output file',
        shortdesc='Write debug information to given file'),
    Option('version', 'version', 'V', B, order=54, shortdesc='Display version information and exit'),
    Option('help', 'help', 'h', B, order=55, usage='Display this help and exit',
        shortdesc='Display help and exit'),
    Option('plug_separator', 'plug-separator', None, S, default=',', metavar='char', order=100,
        shortdesc='Separator for plug parameter when specifying more than 1 plug'),
    Option('separator', 'separator', 'C', S, default=',', metavar='char', order=100,
        shortdesc="Separator for CSV created by 'list' operation"),
    Option('delay', 'delay', None, SEC, default='0', metavar='seconds', order=200,
        shortdesc='Wait X seconds before fencing is started'),
    Option('disable_timeout', 'disable-timeout', None, S, metavar='true/false', order=200,
        shortdesc='Disable timeout (true/false): poll for the power state without limit (power_timeout 0); '
        'not implied by Pacemaker'),
    Option('login_timeout', 'login-timeout', None, SEC, default='5', metavar='seconds', order=200,
        shortdesc='Wait X seconds for cmd prompt after login'),
    Option('power_timeout', 'power-timeout', None, SEC, default='20', metavar='seconds', order=200,
        shortdesc='Test X seconds for status change after ON/OFF'),
    Option('power_wait', 'power-wait', None, SEC, default='0', metavar='seconds', order=200,
        shortdesc='Wait X seconds after issuing ON/OFF'),
    Option('shell_timeout', 'shell-timeout', None, SEC, default='3', metavar='seconds', order=200,
        shortdesc='Wait X seconds for cmd prompt after issuing command'),
    Option('stonith_status_sleep', 'stonith-status-sleep', None, SEC, default='1', metavar='seconds',
        order=200,
        shortdesc='Sleep X seconds between status calls during a STONITH action'),
    Option('retry_on', 'retry-on', None, INT, default='1', metavar='attempts', order=201,
        shortdesc='Count of attempts to retry power on'),
    Option('ssh_path', 'ssh-path', None, S, default='/usr/bin/ssh', metavar='path', order=300,
        shortdesc='Path to ssh binary'),
    Option('telnet_path', 'telnet-path', None, S, default='/usr/bin/telnet', metavar='path', order=300,
        shortdesc='Path to telnet binary'),
    # the stock agents run these programs; ours speak the protocols themselves, so the paths are accepted
    # (a configuration written for the stock agent keeps working) and ignored
    Option('snmpget_path', 'snmpget-path', None, S, default='/usr/bin/snmpget', metavar='path', order=1000,
        shortdesc='Path to snmpget binary'),
    Option('snmpset_path', 'snmpset-path', None, S, default='/usr/bin/snmpset', metavar='path', order=1000,
        shortdesc='Path to snmpset binary'),
    Option('snmpwalk_path', 'snmpwalk-path', None, S, default='/usr/bin/snmpwalk', metavar='path', order=1000,
        shortdesc='Path to snmpwalk binary'),
)
# fmt: on

COMMON: dict[str, Option] = {opt.key: opt for opt in _TABLE}
"""Every common option by internal key (the name fenced sends on stdin)."""

ALWAYS: tuple[str, ...] = (  # in upstream's order, which `-h` keeps within equal sort orders
    "help", "debug", "verbose", "verbose_level", "version", "action", "power_timeout", "shell_timeout",
    "login_timeout", "disable_timeout", "power_wait", "stonith_status_sleep", "retry_on", "delay",
    "plug_separator", "quiet",
)  # fmt: skip
"""Options every agent accepts whatever it declares."""

IMPLIED: dict[str, tuple[str, ...]] = {
    "passwd": ("passwd_script",),
    "secure": ("identity_file", "ssh_options", "inet4_only", "inet6_only", "ssh_path", "telnet_path"),
    "ipaddr": ("ipport",),
    "serial_port": ("serial_speed",),
    "port": ("separator",),
    "community": (
        "snmp_version",
        "snmp_auth_prot",
        "snmp_sec_level",
        "snmp_priv_prot",
        "snmp_priv_passwd",
        "snmp_priv_passwd_script",
        "snmpget_path",
        "snmpset_path",
        "snmpwalk_path",
    ),
    "snmp_priv_passwd": ("snmp_priv_passwd_script",),
}
"""Options that come with another one, as upstream's dependency table."""

INSTEAD_OF_ADDRESS: tuple[str, ...] = ("serial_port",)
"""Options that make the address unnecessary: a switch on a serial line has none, the line replaces it."""

SCRIPT_FOR_SECRET: dict[str, str] = {"passwd_script": "passwd", "snmp_priv_passwd_script": "snmp_priv_passwd"}
"""Option naming a command whose output becomes the value of another (secret) option."""

PORT_AS_IP_PLUG = Option(
    "port",
    "plug",
    "n",
    S,
    None,
    False,
    metavar="ip",
    extra_names=("plug",),
    shortdesc="IP address or hostname of fencing device (together with --port-as-ip)",
)

TRANSPORT_PORTS = {"ssh": "22", "telnet": "23", "snmp": "161"}


def uses_port_as_ip(spec: AgentSpec) -> bool:
    """An agent addressed by ip only (IPMI) accepts the plug as the address, like upstream's port_as_ip."""
    return "ipaddr" in spec.uses and ("port" not in spec.uses or not spec.plug_required)


def used_keys(spec: AgentSpec) -> list[str]:
    """Keys of the common options this agent accepts, in declaration order, without duplicates."""
    keys: list[str] = []
    implied = [k for key in spec.uses for k in IMPLIED.get(key, ())]
    for k in (*spec.uses, *implied, *ALWAYS):  # declared, then implied, then the always-present ones
        if k in COMMON and k not in keys:
            keys.append(k)
    if uses_port_as_ip(spec):
        keys = [k for k in keys if k != "separator"]
        keys += [k for k in ("port", "port_as_ip") if k not in keys]
    return keys


def agent_options(spec: AgentSpec) -> dict[str, Option]:
    """Every option this agent accepts, by key: used common options, then its own (own ones win)."""
    table: dict[str, Option] = {}
    port_as_ip = uses_port_as_ip(spec)
    for key in used_keys(spec):
        table[key] = PORT_AS_IP_PLUG if (key == "port" and port_as_ip) else COMMON[key]
    for opt in spec.options:
        table[opt.key] = opt
    return table


def effective_defaults(spec: AgentSpec, table: dict[str, Option]) -> dict[str, str]:
    """Default values after the agent's overrides (``spec.defaults``), for the options it accepts."""
    defaults = {k: o.default for k, o in table.items() if o.default is not None}
    defaults["action"] = default_action(spec)
    defaults.update({k: v for k, v in spec.defaults.items() if k in table})
    if "ipport" in table and "ipport" not in defaults:
        defaults["ipport"] = TRANSPORT_PORTS["snmp" if "community" in table else "telnet"]
    return defaults


def default_ipport(spec: AgentSpec, table: dict[str, Option], values: Mapping[str, str]) -> str | None:
    """The port to connect to when none is given: the agent's default, or 22 when ssh was chosen."""
    if "ipport" not in table:
        return None
    from fence_agents.request import parse_bool

    ssh_chosen = False
    if "secure" in table:
        try:
            ssh_chosen = parse_bool(values.get("secure", "0"))
        except ValueError:
            ssh_chosen = False
    if ssh_chosen:
        return TRANSPORT_PORTS["ssh"]
    return effective_defaults(spec, table).get("ipport")


def ipport_usage(spec: AgentSpec, table: dict[str, Option]) -> str:
    """Upstream's `-h` wording for ipport names the default (and the ssh one when ssh is possible)."""
    base = effective_defaults(spec, table).get("ipport", "")
    if "secure" in table and base == TRANSPORT_PORTS["telnet"]:
        return "TCP/UDP port to use\n(default 23, 22 if --ssh option is used)"
    return f"TCP/UDP port to use (default {base})"


def default_action(spec: AgentSpec) -> str:
    """Fabric agents fence by cutting access (off); power agents reboot."""
    return Action.OFF if spec.fabric else Action.REBOOT


def available_actions(spec: AgentSpec) -> list[str]:
    """Actions in upstream's order: fabric agents have no reboot; plug-less agents cannot list."""
    actions = [Action.ON, Action.OFF] + ([] if spec.fabric else [Action.REBOOT]) + [Action.STATUS]
    if "port" in spec.uses and (not uses_port_as_ip(spec) or spec.plugs_optional):
        actions += [Action.LIST, Action.LIST_STATUS]
    actions += [Action.MONITOR, Action.METADATA, Action.MANPAGE, Action.VALIDATE_ALL]
    return actions + [a for a in spec.actions if a not in actions]


def action_usage(spec: AgentSpec) -> str:
    """`-h` text of the action option: the actions, the default one marked."""
    default = default_action(spec)
    words = [a + " (default)" if a == default else a for a in available_actions(spec)]
    return "Action: " + ", ".join(words[:-1]) + " or " + words[-1]


def spec_problems(spec: AgentSpec) -> list[str]:
    """Mistakes in an agent's declaration (for the agent's own tests): unknown keys, clashing flags."""
    found = [f"uses: unknown common option {k!r}" for k in spec.uses if k not in COMMON]
    table = agent_options(spec)
    found += [f"defaults: {k!r} is not an option of this agent" for k in spec.defaults if k not in table]
    found += [f"required: {k!r} is not an option of this agent" for k in spec.required if k not in table]
    seen: dict[str, str] = {}
    for opt in table.values():
        for flag in (f"-{opt.short}" if opt.short else None, f"--{opt.long}" if opt.long else None):
            if flag and flag in seen:
                found.append(f"flag {flag} is used by both {seen[flag]!r} and {opt.key!r}")
            elif flag:
                seen[flag] = opt.key
    return found
