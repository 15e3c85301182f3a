"""What an agent says about itself: metadata XML (for Pacemaker), ``-h`` usage, ``manpage``, ``-V``.

Built by plain string assembly with explicit escaping so ``-o metadata`` imports nothing heavy (no lxml).
The XML follows the shape of ClusterLabs fence-agents' output (parameter order by (order, name),
deprecated/obsoletes twins for renamed options, ``<action name="on" automatic=.../>`` first) and validates
against fence-agents' ``metadata.rng``.
"""

from __future__ import annotations

from collections.abc import Mapping

from fence_agents.options import (
    action_usage,
    agent_options,
    available_actions,
    effective_defaults,
    ipport_usage,
    uses_port_as_ip,
)
from fence_agents.spec import AgentSpec, Option, OptType

FALLBACK_VERSION = "0.1.0"


def version() -> str:
    """The fencelab distribution's version (importlib.metadata is only loaded for -V)."""
    try:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as dist_version

        try:
            return dist_version("fencelab")
        except PackageNotFoundError:
            return FALLBACK_VERSION
    except ImportError:
        return FALLBACK_VERSION


def escape_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("'", "&apos;")
    )


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def getopt_mixed(opt: Option) -> str:
    """``-a, --ip=[ip]``: the flags as a person types them."""
    flags = [f"-{opt.short}"] if opt.short else []
    if opt.long:
        flags.append(f"--{opt.long}" + (f"=[{opt.metavar}]" if opt.metavar else ""))
    elif flags and opt.metavar:
        flags[0] += f" [{opt.metavar}]"
    return ", ".join(flags)


def twin_name(opt: Option) -> str | None:
    """The new name of a renamed option (``ipaddr`` -> ``ip``), or None when key and flag agree."""
    if not opt.long:
        return None
    new = opt.long.replace("-", "_")
    return new if new != opt.key else None


def _required(spec: AgentSpec, opt: Option) -> bool:
    if opt.key == "action":
        return True
    if opt.key in ("ipaddr", "port") and uses_port_as_ip(spec):
        return False
    if opt.key == "port":
        return spec.plug_required
    if opt.key in ("passwd", "passwd_script"):
        return False  # either one will do, so neither is required on its own (as upstream)
    return opt.required or opt.key in spec.required


def _parameter(name: str, opt: Option, required: bool, marker: str, default: str | None) -> list[str]:
    default_attr = f'default="{escape_attr(default)}" ' if default is not None else ""
    lines = [
        f'\t<parameter name="{escape_attr(name)}" unique="0" required="{int(required)}"{marker}>',
        f'\t\t<getopt mixed="{escape_attr(getopt_mixed(opt))}" />',
    ]
    if opt.choices or opt.type is OptType.SELECT:
        lines.append(f'\t\t<content type="select" {default_attr} >')
        lines += [f'\t\t\t<option value="{escape_attr(c)}" />' for c in opt.choices]
        lines.append("\t\t</content>")
    else:
        lines.append(f'\t\t<content type="{opt.type.value}" {default_attr} />')
    lines.append(f'\t\t<shortdesc lang="en">{escape_text(opt.shortdesc)}</shortdesc>')
    lines.append("\t</parameter>")
    return lines


def metadata_xml(spec: AgentSpec, prog: str | None = None) -> str:
    """The complete metadata document, ending with a newline."""
    table = agent_options(spec)
    defaults = effective_defaults(spec, table)
    # a symlink name (fence_ilo3...) shows its own defaults, as the stock agents do
    defaults.update({k: v for k, v in spec.symlinks.get(prog or "", {}).items() if k in table})
    entries: list[tuple[int, str, Option, str]] = []
    for opt in table.values():
        if opt.hidden:
            continue
        new = twin_name(opt)
        if new is None:
            entries.append((opt.order, opt.key, opt, ""))
        else:
            entries.append((opt.order, opt.key, opt, ' deprecated="1"'))
            entries.append((opt.order, new, opt, f' obsoletes="{escape_attr(opt.key)}"'))
    entries.sort(key=lambda e: (e[0], e[1]))
    name, desc = escape_attr(prog or spec.name), escape_attr(spec.shortdesc)
    out = ['<?xml version="1.0" ?>', f'<resource-agent name="{name}" shortdesc="{desc}" >']
    for alias, overrides in spec.symlinks.items():
        desc = overrides.get("shortdesc", spec.shortdesc)
        out.append(f'<symlink name="{escape_attr(alias)}" shortdesc="{escape_attr(desc)}"/>')
    out.append(f"<longdesc>{escape_text(spec.longdesc)}</longdesc>")
    out.append(f"<vendor-url>{escape_text(spec.vendor_url)}</vendor-url>")
    out.append("<parameters>")
    for _order, name, opt, marker in entries:
        out += _parameter(name, opt, _required(spec, opt), marker, defaults.get(opt.key))
    out.append("</parameters>")
    out.append("<actions>")
    actions = available_actions(spec)
    if "on" in actions:
        out.append(f'\t<action name="on" automatic="{int(spec.fabric)}"/>')
    out += [f'\t<action name="{escape_attr(a)}" />' for a in actions if a != "on"]
    out.append("</actions>")
    out.append("</resource-agent>")
    return "\n".join(out) + "\n"


def _usage_text(spec: AgentSpec, opt: Option, table: Mapping[str, Option]) -> str:
    if opt.key == "action":
        return action_usage(spec)
    if opt.key == "ipport":
        return ipport_usage(spec, dict(table))
    return opt.usage or opt.shortdesc


def usage(spec: AgentSpec, prog: str | None = None) -> str:
    """The ``-h`` text: one wrapped entry per option, sorted by upstream's order."""
    table = agent_options(spec)
    import textwrap

    lines = ["Usage:", f"\t{prog or spec.name} [options]", "Options:"]
    wrapper = textwrap.TextWrapper(
        width=85,
        initial_indent="   ",
        subsequent_indent=" " * 40,
        break_on_hyphens=False,
        break_long_words=False,
    )
    for opt in sorted((o for o in table.values() if not o.hidden), key=lambda o: o.order):
        flags = getopt_mixed(opt)
        head = flags.ljust(31) if len(flags) < 31 else flags + "   "
        first, *more = _usage_text(spec, opt, table).split("\n")
        lines += wrapper.wrap(head + first) or ["   " + flags]
        lines += [" " * 40 + extra for extra in more]  # an explicit line break, as upstream's ipport text
    return "\n".join(lines) + "\n"


def _roff(text: str) -> str:
    text = text.replace("\\", "\\e")
    return "\n".join("\\&" + ln if ln.startswith((".", "'")) else ln for ln in text.splitlines())


def manpage(spec: AgentSpec, prog: str | None = None) -> str:
    """A section-8 man page in groff: description, options, actions, stdin names."""
    name = prog or spec.name
    table = agent_options(spec)
    defaults = effective_defaults(spec, table)
    out = [
        f'.TH {name.upper()} 8 "" "fencelab {version()}" "Fence agents"',
        ".SH NAME",
        _roff(f"{name} - {spec.shortdesc}"),
        ".SH DESCRIPTION",
        _roff(spec.longdesc),
        ".P",
        _roff(f"Vendor URL: {spec.vendor_url}"),
        ".SH PARAMETERS",
    ]
    for opt in sorted((o for o in table.values() if not o.hidden), key=lambda o: (o.order, o.key)):
        extra = " (required)" if _required(spec, opt) else ""
        if opt.key in defaults:
            extra += f" (default: {defaults[opt.key]})"
        out += [".TP", ".B " + _roff(getopt_mixed(opt)), _roff(_usage_text(spec, opt, table) + extra)]
    out.append(".SH ACTIONS")
    for action in available_actions(spec):
        out += [".TP", f".B {action}"]
    out.append(".SH STDIN PARAMETERS")
    for opt in sorted((o for o in table.values() if not o.hidden), key=lambda o: (o.order, o.key)):
        names = [opt.key] + [n for n in (twin_name(opt), *opt.extra_names) if n and n != opt.key]
        out += [".TP", ".B " + _roff(", ".join(dict.fromkeys(names))), _roff(opt.shortdesc)]
    return "\n".join(out) + "\n"
