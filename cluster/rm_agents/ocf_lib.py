"""What every bundled resource agent shares: the OCF calling convention, exit codes and metadata.

The agents in this directory are executables run by the resource manager (and by Pacemaker or ocf-tester)
exactly as OCF agents are: ``agent <action>``, parameters in ``OCF_RESKEY_<name>``, the result in the exit
code. They use the standard library only and run under the system's ``/usr/bin/python3``, so any user
(``nobody`` in ocf-tester, ``hacluster`` under Pacemaker) can execute them without our virtualenv.

Metadata comes in two dialects. By default it is plain OCF, valid against ``ra-api-1.dtd`` (what ocf-tester
and Pacemaker check). rgmanager's extensions (``primary``, ``inherit``, ``<special tag="rgmanager">`` child
ordering, ``status`` depths) are not in that DTD, so an agent prints them only when the resource manager asks
with ``OCF_RA_DIALECT=rgmanager`` in its environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

OCF_SUCCESS = 0
OCF_ERR_GENERIC = 1
OCF_ERR_ARGS = 2
OCF_ERR_UNIMPLEMENTED = 3
OCF_ERR_PERM = 4
OCF_ERR_INSTALLED = 5
OCF_ERR_CONFIGURED = 6
OCF_NOT_RUNNING = 7

DIALECT_ENV = "OCF_RA_DIALECT"
TRUE_WORDS = ("1", "yes", "true", "on", "y")


@dataclass(frozen=True)
class Param:
    name: str
    shortdesc: str
    longdesc: str = ""
    kind: str = "string"  # string | integer | boolean | time (ra-api-1.dtd's content types)
    default: str | None = None
    required: bool = False
    unique: bool = False
    primary: bool = False  # rgmanager: the attribute that names the resource (ref= matches it)
    inherit: str = ""  # rgmanager: "type%attr" or "attr" of the parent


@dataclass(frozen=True)
class Action:
    name: str
    timeout: int
    interval: int | None = None
    depth: int | None = None
    rgmanager_only: bool = False  # 'status' with depths: rgmanager polls status, never monitor
    ocf_only: bool = False  # 'monitor': what Pacemaker and ocf-tester call


@dataclass(frozen=True)
class ChildRule:
    type: str
    start: int
    stop: int


@dataclass(frozen=True)
class AgentSpec:
    name: str
    shortdesc: str
    longdesc: str
    params: tuple[Param, ...]
    actions: tuple[Action, ...]
    children: tuple[ChildRule, ...] = ()
    max_instances: int | None = None
    version: str = "1.0"

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def metadata_xml(spec: AgentSpec, rgmanager: bool) -> str:
    """The agent's meta-data document; rgmanager=True adds the extensions ra-api-1.dtd does not know."""
    out = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
        f'<resource-agent name="{spec.name}" version="{spec.version}">',
        f"  <version>{spec.version}</version>",
        f'  <longdesc lang="en">{escape(spec.longdesc)}</longdesc>',
        f'  <shortdesc lang="en">{escape(spec.shortdesc)}</shortdesc>',
        "  <parameters>",
    ]
    for p in spec.params:
        attrs = f'name="{p.name}"'
        if p.required:
            attrs += ' required="1"'
        if p.unique:
            attrs += ' unique="1"'
        if rgmanager and p.primary:
            attrs += ' primary="1"'
        if rgmanager and p.inherit:
            attrs += f" inherit={quoteattr(p.inherit)}"
        default = "" if p.default is None else f" default={quoteattr(p.default)}"
        out += [
            f"    <parameter {attrs}>",
            f'      <longdesc lang="en">{escape(p.longdesc or p.shortdesc)}</longdesc>',
            f'      <shortdesc lang="en">{escape(p.shortdesc)}</shortdesc>',
            f'      <content type="{p.kind}"{default}/>',
            "    </parameter>",
        ]
    out += ["  </parameters>", "  <actions>"]
    for a in spec.actions:
        if (a.rgmanager_only and not rgmanager) or (a.ocf_only and rgmanager):
            continue
        attrs = f'name="{a.name}" timeout="{a.timeout}"'
        if a.interval is not None:
            attrs += f' interval="{a.interval}"'
        if a.depth is not None:
            attrs += f' depth="{a.depth}"'
        out.append(f"    <action {attrs}/>")
    out.append("  </actions>")
    if rgmanager and (spec.children or spec.max_instances is not None):
        out.append('  <special tag="rgmanager">')
        if spec.max_instances is not None:
            out.append(f'    <attributes maxinstances="{spec.max_instances}"/>')
        for c in spec.children:
            out.append(f'    <child type="{c.type}" start="{c.start}" stop="{c.stop}"/>')
        out.append("  </special>")
    out.append("</resource-agent>")
    return "\n".join(out) + "\n"


@dataclass
class Request:
    """One call of the agent: its action, its parameters (defaults applied) and its check depth."""

    spec: AgentSpec
    action: str
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def get(self, name: str) -> str:
        value = self.env.get(f"OCF_RESKEY_{name}", "")
        if value == "":
            default = self.spec.param(name).default
            return default or ""
        return value

    def flag(self, name: str) -> bool:
        return self.get(name).strip().lower() in TRUE_WORDS

    @property
    def instance(self) -> str:
        return self.env.get("OCF_RESOURCE_INSTANCE", self.spec.name)

    @property
    def depth(self) -> int:
        try:
            return int(self.env.get("OCF_CHECK_LEVEL", "0") or 0)
        except ValueError:
            return 0


class AgentError(Exception):
    """A failure with its OCF exit code; the message is logged as one line."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def log(spec: AgentSpec, message: str) -> None:
    print(f"{spec.name}: {message}", file=sys.stderr, flush=True)


def run(argv: Sequence[str], timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run a system tool with a deadline; a missing tool is OCF_ERR_INSTALLED, a hang is an error."""
    env = dict(os.environ)
    env.setdefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")  # rgmanager runs agents with no PATH at all
    try:
        return subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise AgentError(OCF_ERR_INSTALLED, f"{argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise AgentError(OCF_ERR_GENERIC, f"{' '.join(argv)} did not finish within {timeout:g} s") from None


def state_dir() -> str:
    """Where agents keep markers: HA_RSCTMP as Pacemaker sets it, else /run (a lab node has its own /run)."""
    path = os.environ.get("HA_RSCTMP") or "/run/resource-agents"
    os.makedirs(path, mode=0o755, exist_ok=True)
    return path


def safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


def touch(path: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")


def remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "(no output)"


Handler = Callable[[Request], int]
USAGE = "usage: {name} {{start|stop|status|monitor|meta-data|validate-all}}"


def main(spec: AgentSpec, handlers: dict[str, Handler], argv: Sequence[str] | None = None) -> int:
    """Dispatch one OCF call. Unknown actions exit 3; every failure is one line on stderr."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(USAGE.format(name=spec.name), file=sys.stderr)
        return OCF_ERR_ARGS
    action = args[0]
    if action in ("meta-data", "metadata"):
        sys.stdout.write(metadata_xml(spec, os.environ.get(DIALECT_ENV, "") == "rgmanager"))
        return OCF_SUCCESS
    if action in ("usage", "help", "-h", "--help"):
        print(USAGE.format(name=spec.name))
        return OCF_SUCCESS
    handler = handlers.get("status" if action == "monitor" else action)
    if handler is None:
        return OCF_ERR_UNIMPLEMENTED
    try:
        return handler(Request(spec, action))
    except AgentError as err:
        log(spec, f"{action} of {Request(spec, action).instance}: {err}")
        return err.code
    except KeyboardInterrupt:
        return OCF_ERR_GENERIC
