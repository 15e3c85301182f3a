"""The entry point every fence agent calls. THE AGENT-FACING API IN ONE PLACE:

An agent module declares a spec and a ``main``::

    from fence_agents.spec import AgentSpec, Option, connect_to

    SPEC = AgentSpec(
        name="fence_nps", shortdesc="...", longdesc="...", vendor_url="...",
        connect=connect_to("fence_agents.agents.nps_device:NpsDevice"),  # Request -> Device, loaded
        # only when an action runs: the declaration module imports nothing of the device
        uses=("ipaddr", "login", "passwd", "port", "secure", "cmd_prompt"),  # keys of options.COMMON
        options=(Option("lanplus", "lanplus", "P", OptType.BOOLEAN, shortdesc="..."),),  # own options
        defaults={"login_timeout": "10", "ipport": "23"},  # per-agent default overrides
        required=("login", "passwd"),  # beyond ipaddr (when used) and the plug (when plug_required)
        fabric=False, plug_required=True, actions=("diag",),
        symlinks={"fence_ilo3": {"shortdesc": "Fence agent for HP iLO3", "power_wait": "4"}},
    )

    def main() -> int:                            # console script entry point (pyproject.toml)
        from fence_agents.main import run         # (or: main = main_for(SPEC))

        return run(SPEC)

    if __name__ == "__main__":                    # python -m fence_agents.agents.nps
        raise SystemExit(main())

``run(spec, argv=None, stdin=None)`` returns the exit code: 0 success, 1 failure, 2 for ``status`` of a
plug that is off. ``argv`` excludes the program name (default ``sys.argv[1:]``); any argument means the
command line is read, none means stdin (``key=value`` lines). It never raises and never prints a traceback.

Declaring: ``uses`` names common options (``fence_agents.options.COMMON``); implied ones come along
(``passwd`` -> ``passwd_script``, ``ipaddr`` -> ``ipport``, ``port`` -> ``separator``, ``secure`` ->
``identity_file``/``ssh_options``/``inet4_only``/``inet6_only``, ``community`` -> the SNMP options), and
every agent has action/verbose/debug/quiet/help/version/delay/timeouts/retry_on/plug_separator.
``required`` may hold ``login`` (-> "You have to set login name"), ``passwd`` (-> "You have to enter
password or password script") or any other key. An agent that uses ``ipaddr`` but not ``port`` (or sets
``plug_required=False``) gets upstream's ``--port-as-ip`` and its device sees ``plug=None``; with
``plugs_optional=True`` a plug given without ``--port-as-ip`` reaches the device (a Redfish system) and the
agent has list/list-status.
``symlinks`` maps another program name to default overrides (its ``shortdesc`` goes into metadata).
``fence_agents.options.spec_problems(SPEC)`` lists declaration mistakes (unknown keys, clashing flags):
assert it is empty in the agent's tests (tests/core/test_startup.py does so for every agent).
``Option``: ``order`` sorts metadata/usage as upstream; ``usage`` is the ``-h`` text when it differs
from ``shortdesc`` (a ``\n`` starts a continuation line); ``secret`` redacts and hides the value;
``extra_names`` are further stdin names; ``hidden`` keeps an option out of metadata and ``-h``.

What ``connect(request)`` receives (:class:`~fence_agents.request.Request`), all defaults applied:
  ``request.ipaddr`` / ``request.int("ipport")`` (the effective port: the given one, else 22 when
  ``secure`` is on, else the agent's default: 23 telnet, 161 SNMP, or ``defaults["ipport"]``),
  ``request.login``, ``request.password`` (a Secret, already filled from ``--password-script``),
  ``request.flag("secure")``, ``request.seconds("login_timeout")`` / ``("shell_timeout")``,
  ``request.str("cmd_prompt")``, ``request.int("verbose_level")``, and every own option by key.
  Booleans are stored as "1"/"0" (read them with ``request.flag``). Secret options (``Option.secret``)
  are in ``request.secrets`` only. Log through ``request.log`` (DEBUG = the device dialogue, shown by -v).
  Never put a secret into a message: our messages are not masked (so a password ``admin`` garbles no
  word). Text from the device that goes into a message passes ``channel.shown(text)`` (masked).
The device gets one plug per call (``get_power(plug)``); several plugs are split by the framework.
Raise :mod:`fence_agents.errors` exceptions; a stray TimeoutError / ConnectionRefusedError /
ConnectionResetError / EOFError gets upstream's words; anything else becomes ``Failed: <text>``, exit 1.

The framework owns parsing, validation, ``delay`` (off/reboot only), login/logout, the status-first rule,
the verify loop, ``retry_on``, ``method``, several plugs, output lines and exit codes. See docs/agent-api.md.
Keyword-only arguments of ``run`` (``prog``, ``stdout``, ``stderr``, ``clock``) exist for tests.

Start-up pays only for its action: this module and what it imports on the way to ``-o metadata`` or a
plain ``status`` load no ``logging``, ``dataclasses``, ``typing``, ``enum`` or ``getopt``
(tests/core/test_import_set.py pins the sets). Keep heavy imports inside the step that needs them.
"""

from __future__ import annotations

import os
import sys

from fence_agents import log, logsetup
from fence_agents.errors import EXIT_FAILURE, EXIT_SUCCESS, FenceError, NotSupported, UsageError
from fence_agents.options import (
    SCRIPT_FOR_SECRET,
    agent_options,
    available_actions,
    default_ipport,
    effective_defaults,
    uses_port_as_ip,
)
from fence_agents.parse import ParsedInput, parse_input, printable
from fence_agents.request import Request, parse_bool
from fence_agents.secret import Redactor
from fence_agents.spec import Action, AgentSpec, Option

TYPE_CHECKING = False
if TYPE_CHECKING:  # the action machinery is imported only when an action runs (fast -o metadata)
    from collections.abc import Callable, Mapping, Sequence
    from typing import TextIO

    from fence_agents.actions import Clock, Plan
    from fence_agents.logsetup import Writable

    Values = dict[str, str]  # option key -> value (strings, as given, after defaults)

USAGE_HINT = "Please use '-h' for usage"
session_log = log.get("fence_agents")
PCMK_FENCER = "pacemaker-fenced"


def main_for(spec: AgentSpec) -> Callable[[], int]:
    """``main = main_for(SPEC)`` gives a console-script entry point."""

    def main() -> int:
        return run(spec)

    return main


# -- the steps of one run; each returns what it produces -------------------------------------------------


def read_input(
    args: Sequence[str], stdin: TextIO | None, table: Mapping[str, Option], port_as_ip: bool
) -> ParsedInput:
    """argv when there are arguments, else stdin (None when started with descriptor 0 closed)."""
    source = stdin if stdin is not None else sys.stdin
    stdin_text = None if args else (source.read() if source is not None else "")
    return parse_input(args, stdin_text, table, nodename_is_plug=not port_as_ip)


def verbose_level(parsed: ParsedInput) -> tuple[int, str | None]:
    """The verbose level (``verbose_level=`` wins over the count of ``-v``) and a warning, if any."""
    raw = parsed.values.get("verbose_level")
    if raw in (None, ""):
        return parsed.verbose, None
    try:
        level = int(raw)
    except ValueError:
        level = -1
    if level < 0:
        return 0, (
            "Parse error: Option 'verbose_level' must be an integer greater than or equal to 0. "
            "Setting verbose_level to 0."
        )
    return level, None


def flag(values: Mapping[str, str], key: str) -> bool:
    try:
        return parse_bool(values.get(key, "0"))
    except ValueError:
        return False


def with_defaults(spec: AgentSpec, table: dict[str, Option], values: Mapping[str, str], prog: str) -> Values:
    """The given values, then the defaults (a symlink name's own first), then the effective ipport."""
    defaults = effective_defaults(spec, table)
    defaults.update({k: v for k, v in spec.symlinks.get(prog, {}).items() if k in table})
    result = {**defaults, **values}
    if "ipport" in table and not values.get("ipport"):
        symlink_port = spec.symlinks.get(prog, {}).get("ipport")
        result["ipport"] = symlink_port or default_ipport(spec, table, values) or ""
    return result


def action_of(spec: AgentSpec, values: Mapping[str, str]) -> str:
    """The action as a canonical name: lower case, ``meta-data`` -> metadata, fabric enable/disable."""
    action = values.get("action", "").strip().lower()
    if action == "meta-data":
        return Action.METADATA
    if spec.fabric and action in ("enable", "disable"):
        return Action.ON if action == "enable" else Action.OFF
    return action


def document(spec: AgentSpec, values: Mapping[str, str], action: str, prog: str) -> str | None:
    """The text of -h, -V, metadata or manpage, or None when the run asks for none of them."""
    if not (flag(values, "help") or flag(values, "version") or action in Action.DOCUMENTATION):
        return None
    from fence_agents import metadata  # only the documentation paths need it

    if flag(values, "help"):
        return metadata.usage(spec, prog)
    if action == Action.METADATA:
        return metadata.metadata_xml(spec, prog)
    if action == Action.MANPAGE:
        return metadata.manpage(spec, prog)
    return metadata.version() + "\n"


def resolved(table: Mapping[str, Option], values: Mapping[str, str], port_as_ip: bool) -> Values:
    """``--port-as-ip`` applied, select values in their declared spelling."""
    from fence_agents.validate import canonical_choices

    result = dict(values)
    if port_as_ip and result.get("port") and flag(result, "port_as_ip"):
        result["ipaddr"] = result["port"]
    return canonical_choices(table, result)


def with_timeout_policy(values: Mapping[str, str]) -> Values:
    """``disable_timeout=true`` polls for the state without limit (upstream's meaning for power_timeout).

    Deliberately NOT implied by ``PCMK_service=pacemaker-fenced``: our transports keep their finite
    deadlines so a dead device yields a precise one-line error before Pacemaker's own timeout kills us.
    """
    if values.get("disable_timeout", "").strip().lower() in ("1", "yes", "on", "true"):
        return {**values, "power_timeout": "0"}
    if os.environ.get("PCMK_service") == PCMK_FENCER:
        session_log.debug(
            "Run by Pacemaker's fencer: keeping our own timeouts (set disable_timeout to drop them)"
        )
    return dict(values)


def with_script_secrets(values: Mapping[str, str], redactor: Redactor) -> Values:
    """Each ``*_script`` option run; its output becomes the secret it stands for (and is masked)."""
    result = dict(values)
    for script_key, secret_key in SCRIPT_FOR_SECRET.items():
        if values.get(script_key):
            # imported only when needed: subprocess costs every run ~5 ms of start-up
            from fence_agents.password_script import run_password_script

            secret = run_password_script(values[script_key])
            redactor.add(secret)
            result[secret_key] = secret
    return result


def plan_of(spec: AgentSpec, request: Request, action: str) -> Plan:
    from fence_agents.actions import Plan, Timing

    plugless = "port" not in spec.uses or uses_port_as_ip(spec)
    if plugless and spec.plugs_optional and request.plugs and not request.flag("port_as_ip"):
        plugless = False  # the plug picks one of the device's machines
    if not plugless and not request.plugs and action not in Action.NO_PLUG:
        raise UsageError("Failed: You have to enter plug number or machine identification")  # e.g. --plug ,
    plugs: tuple[str | None, ...] = (None,) if plugless or not request.plugs else tuple(request.plugs)
    timing = Timing(
        power_wait=request.seconds("power_wait"),
        power_timeout=request.seconds("power_timeout", 20.0),
        status_sleep=request.seconds("stonith_status_sleep", 1.0),
        delay=request.seconds("delay"),
    )
    return Plan(
        action=action,
        plugs=plugs,
        method=request.str("method", "onoff") or "onoff",
        retry_on=request.int("retry_on", 1),
        separator=request.str("separator", ",") or ",",
        timing=timing,
        has_plugs=not plugless,
    )


def _execute(
    spec: AgentSpec,
    args: Sequence[str],
    stdin: TextIO | None,
    prog: str,
    out: Writable,
    err: Writable | None,
    session: logsetup.LogSession,
    clock: Clock | None,
) -> int:
    table = agent_options(spec)
    port_as_ip = uses_port_as_ip(spec)
    parsed = read_input(args, stdin, table, port_as_ip)
    session.redactor.add(*(parsed.values[k] for k, o in table.items() if o.secret and parsed.values.get(k)))
    session.redactor.keep(parsed.values.get("login", ""))  # the user name is no secret, even if it holds one
    level, level_warning = verbose_level(parsed)
    logsetup.configure(session, err, level, flag(parsed.values, "quiet"), parsed.values.get("debug") or None)
    for warning in parsed.warnings + ([level_warning] if level_warning else []):
        session_log.warning("%s", warning)
    for note in parsed.notes:
        session_log.debug("%s", note)

    values = with_defaults(spec, table, parsed.values, prog)
    action = action_of(spec, values)
    values.update(action=action, verbose_level=str(level))  # agents read request.int("verbose_level")
    text = document(spec, values, action, prog)
    if text is not None:
        out.write(text)
        return EXIT_SUCCESS
    if action in (Action.LIST, Action.LIST_STATUS) and action not in available_actions(spec):
        raise NotSupported(action)  # a plug-less device (a BMC): documented in docs/agent-api.md
    if action not in available_actions(spec):
        shown = printable(session.redactor.redact(action))  # echoed input
        raise UsageError(f"Failed: Unrecognised action '{shown}'")
    from fence_agents.validate import problems

    values = resolved(table, values, port_as_ip)
    found = problems(spec, table, values, port_as_ip, shown=session.redactor.redact)
    if action == Action.VALIDATE_ALL:
        if found:
            for line in found:
                session_log.error("%s", line)
            raise UsageError("validate-all failed")
        return EXIT_SUCCESS
    if found:
        raise UsageError(found[0])
    values = with_script_secrets(with_timeout_policy(values), session.redactor)
    secret_keys = frozenset(k for k, o in table.items() if o.secret)
    request = Request.of(prog, values, secret_keys)  # prog: a symlink name (fence_ilo3) tells the agent
    plan = plan_of(spec, request, action)

    def emit(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    from fence_agents.actions import SystemClock, run_session

    return run_session(plan, lambda: spec.connect(request), clock or SystemClock(), emit)


def plain_error_line(error: Exception, redactor: Redactor) -> str:
    """Library errors that escaped an agent, in upstream's words where upstream has them; any other text
    is the library's, so it is masked."""
    if isinstance(error, TimeoutError):  # socket.timeout included
        return "Connection timed out"
    if isinstance(error, ConnectionRefusedError):
        return "Unable to connect/login to fencing device"
    if isinstance(error, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, EOFError)):
        return "Connection lost"
    text = str(error).strip()
    return "Failed: " + (redactor.redact(text.splitlines()[0]) if text else type(error).__name__)


def run(
    spec: AgentSpec,
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    *,
    prog: str | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Clock | None = None,
) -> int:
    """Run the agent once; return the exit code. Never raises (except SystemExit from a caller's code)."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = prog or (os.path.basename(sys.argv[0]) if argv is None and sys.argv and sys.argv[0] else spec.name)
    if name.endswith(".py") or name in ("-c", "-m", ""):  # python -m / a source file: not an agent name
        name = spec.name
    os.environ["LANG"] = os.environ["LC_ALL"] = "C"  # for any program an agent runs, as upstream
    redactor = Redactor()
    real_out, real_err = stdout or sys.stdout, stderr or sys.stderr
    out = logsetup.OutputStream(real_out)  # our own output: never masked, never a broken-pipe traceback
    err = logsetup.OutputStream(real_err)
    session = logsetup.start(err, redactor)
    saved_streams = (sys.stdout, sys.stderr)
    if stdout is None and stderr is None:  # a real run: stray prints of libraries are masked
        sys.stdout = logsetup.OutputStream(real_out, redactor)  # type: ignore[assignment]
        sys.stderr = logsetup.OutputStream(real_err, redactor)  # type: ignore[assignment]
    try:
        return _execute(spec, args, stdin, name, out, err, session, clock)
    except UsageError as error:
        session_log.error("%s", error.message)
        session_log.error("%s", USAGE_HINT)
        return error.exit_code
    except FenceError as error:
        session_log.error("%s", error.message)
        return error.exit_code
    except KeyboardInterrupt:
        session_log.error("Failed: Interrupted")
        return EXIT_FAILURE
    except Exception as error:  # the promise: one line, never a traceback
        session_log.error("%s", plain_error_line(error, redactor))
        session_log.debug("Unexpected error of type %s", type(error).__name__)
        return EXIT_FAILURE
    finally:
        try:
            out.flush()
        except Exception:
            pass
        session.close()
        sys.stdout, sys.stderr = saved_streams
