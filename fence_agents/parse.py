"""Reading an agent's input: GNU-style argv, or ``key=value`` lines on stdin (the way fenced calls agents).

Pure functions over an option table (``fence_agents.options.agent_options``): no logging, no I/O. Problems
that upstream only logs come back as ``warnings`` for the caller to log once logging is set up; problems
that stop the run raise :class:`ParseError`.

Values are kept as strings under internal keys (``ipaddr``, ``passwd``, ``port``...); booleans become
``"1"``/``"0"`` and honour their value (``ssh=0`` means no ssh, unlike upstream's presence test).
"""

from __future__ import annotations

import os

from fence_agents.errors import UsageError
from fence_agents.request import parse_bool
from fence_agents.secret import Redactor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from fence_agents.spec import Option


class ParseError(UsageError):
    """The command line cannot be read; printed as ``Parse error: ...`` then the usage hint."""


class ParsedInput:
    """What the input said: values by internal key, the ``-v`` count, and what to log about it."""

    __slots__ = ("values", "verbose", "warnings", "notes", "source")

    def __init__(self, source: str = "argv") -> None:
        self.values: dict[str, str] = {}
        self.verbose = 0  # how many times -v/--verbose was given (stdin: 1 for verbose=1)
        self.warnings: list[str] = []  # echoed input in them is masked already
        self.notes: list[str] = []  # worth a debug line only (fenced's agent=)
        self.source = source  # "argv" or "stdin"


def _masker(values: Mapping[str, str], table: Mapping[str, Option]) -> Redactor:
    """Echoed input is masked with the secrets the input itself carries."""
    return Redactor(v for k, v in values.items() if k in table and table[k].secret)


def _norm(name: str) -> str:
    return name.replace("-", "_")


def stdin_names(table: Mapping[str, Option]) -> dict[str, str]:
    """Every name stdin accepts (normalised '-' -> '_') mapped to its internal key."""
    names: dict[str, str] = {}
    for key, opt in table.items():
        for name in (key, opt.long, *opt.extra_names):
            if name:
                names.setdefault(_norm(name), key)
    return names


def _getopt_spec(table: Mapping[str, Option]) -> tuple[str, list[str], dict[str, str]]:
    shorts = ""
    longs: list[str] = []
    flag_to_key: dict[str, str] = {}
    for key, opt in table.items():
        if opt.short:
            if "-" + opt.short in flag_to_key:
                raise ParseError(f"Failed: Short option -{opt.short} is used by two options of this agent")
            shorts += opt.short + (":" if opt.takes_value else "")
            flag_to_key["-" + opt.short] = key
        if opt.long:
            longs.append(opt.long + ("=" if opt.takes_value else ""))
            flag_to_key["--" + opt.long] = key
    return shorts, longs, flag_to_key


def _long_takes_value(name: str, longs: Sequence[str]) -> tuple[bool, str]:
    possible = [o for o in longs if o.startswith(name)]
    if not possible:
        raise ParseError(f"Parse error: option --{name} not recognized")
    if name in possible:
        return False, name
    if name + "=" in possible:
        return True, name
    if len(possible) > 1:  # no exact match, so a prefix must be unique
        raise ParseError(f"Parse error: option --{name} not a unique prefix")
    only = possible[0]
    return only.endswith("="), only.removesuffix("=")


def _short_takes_value(letter: str, shorts: str) -> bool:
    for i, c in enumerate(shorts):
        if letter == c != ":":
            return shorts.startswith(":", i + 1)
    raise ParseError(f"Parse error: option -{letter} not recognized")


def gnu_getopt(
    args: Sequence[str], shorts: str, longs: Sequence[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """The standard library's ``getopt.gnu_getopt``, same rules and messages, without its import cost
    (``getopt`` loads ``gettext`` and ``locale``: ~6 ms of every run)."""
    pairs: list[tuple[str, str]] = []
    leftover: list[str] = []
    rest = list(args)
    options_first = bool(os.environ.get("POSIXLY_CORRECT"))
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            leftover += rest
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            takes, name = _long_takes_value(name, longs)
            if takes and not eq:
                if not rest:
                    raise ParseError(f"Parse error: option --{name} requires argument")
                value = rest.pop(0)
            elif not takes and eq:
                raise ParseError(f"Parse error: option --{name} must not have an argument")
            pairs.append(("--" + name, value))
        elif arg.startswith("-") and arg != "-":
            letters = arg[1:]
            while letters:
                letter, letters = letters[0], letters[1:]
                value = ""
                if _short_takes_value(letter, shorts):
                    if not letters:
                        if not rest:
                            raise ParseError(f"Parse error: option -{letter} requires argument")
                        letters = rest.pop(0)
                    value, letters = letters, ""
                pairs.append(("-" + letter, value))
        elif options_first:
            leftover += [arg, *rest]
            break
        else:
            leftover.append(arg)
    return pairs, leftover


def parse_argv(args: Sequence[str], table: Mapping[str, Option]) -> ParsedInput:
    """GNU getopt rules: ``-a x``, ``-ax``, ``--ip x``, ``--ip=x``, clustered flags ``-vvx``, ``--``."""
    shorts, longs, flag_to_key = _getopt_spec(table)
    pairs, leftover = gnu_getopt(args, shorts, longs)
    parsed = ParsedInput(source="argv")
    for flag, value in pairs:
        key = flag_to_key[flag]
        if key == "verbose":
            parsed.verbose += 1
        parsed.values[key] = value if table[key].takes_value else "1"
    if leftover:
        shown = _masker(parsed.values, table).redact(repr(leftover))  # echoed input
        parsed.warnings.append(f"Unused arguments on command line: {shown}")
    return parsed


SECRET_HINTS = ("pass", "pasw", "word", "pw", "secret", "community", "key", "token")


def _shown(name: str, line: str) -> str:
    """A misspelt password name (``pasword=...``) must not put the password in the log."""
    return f"{name}=***" if any(hint in name.lower() for hint in SECRET_HINTS) else line


SHOWN_LINE_CHARS = 80  # an echoed input line is cut here: garbage on stdin must not flood the log
MAX_IGNORED_WARNINGS = 10  # lines ignored are warned about one by one up to here, then summed up


def printable(text: str, limit: int = SHOWN_LINE_CHARS) -> str:
    """Outside text as one safe log line: undecodable bytes as ``\\xNN``, control characters escaped, cut."""
    text = text[: limit + 1]  # escaping only lengthens: a 5 MB line costs no more than a short one
    try:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
    return shown if len(shown) <= limit else shown[:limit] + "..."


def _unquote(value: str) -> str:
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        return value[1:-1]
    return value


def parse_stdin(text: str, table: Mapping[str, Option], nodename_is_plug: bool = True) -> ParsedInput:
    """One ``name=value`` per line; ``#`` lines and blank lines skipped; last duplicate wins.

    ``nodename`` (sent by fenced) becomes the plug when no ``port``/``plug`` line is given and the agent
    has plugs; otherwise it is silently dropped. ``agent`` (fenced sends the agent's own name) is a note
    for the debug log. Other unknown names are warned about.
    """
    names = stdin_names(table)
    parsed = ParsedInput(source="stdin")
    nodename: str | None = None
    ignored: list[str] = []  # warnings about lines not used; only the first few are kept
    echoed: list[tuple[int, str]] = []  # (index in ignored, input line): masked once all secrets are known
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "\x00" in line:  # no argv can carry a NUL: never let one into a host name or a password
            ignored.append(f"Parse error: Ignoring stdin line {number} because it contains a NUL byte")
            continue
        name, _, value = line.partition("=")
        value = _unquote(value)
        key = names.get(_norm(name))
        if key is None:
            if name == "nodename":
                nodename = value
            elif name == "agent":
                echoed.append((-1 - len(parsed.notes), value))
                parsed.notes.append("Ignoring agent={}: fenced names the agent it runs")
            else:
                echoed.append((len(ignored), _shown(name, line)))
                ignored.append("Parse error: Ignoring unknown option '{}'")
            continue
        opt = table[key]
        if not opt.takes_value:
            try:
                value = "1" if parse_bool(value) else "0"
            except ValueError:
                ignored.append(f"Parse error: Ignoring option '{key}' because it does not have value")
                continue
        parsed.values[key] = value
    mask = _masker(parsed.values, table)
    for index, text in echoed:  # masked before it is cut, so no part of a secret survives the cut
        if index < 0:
            parsed.notes[-1 - index] = parsed.notes[-1 - index].format(printable(mask.redact(text)))
        else:
            ignored[index] = ignored[index].format(printable(mask.redact(text)))
    parsed.warnings += ignored[:MAX_IGNORED_WARNINGS]
    if len(ignored) > MAX_IGNORED_WARNINGS:
        parsed.warnings.append(f"Parse error: Ignoring {len(ignored) - MAX_IGNORED_WARNINGS} more lines")
    if nodename is not None and nodename_is_plug and "port" in table and "port" not in parsed.values:
        parsed.values["port"] = nodename
    if parsed.values.get("verbose") == "1":
        parsed.verbose = 1
    return parsed


def parse_input(
    args: Sequence[str], stdin_text: str | None, table: Mapping[str, Option], nodename_is_plug: bool = True
) -> ParsedInput:
    """Upstream's rule: any argument means the command line only; no argument means stdin only."""
    if args:
        return parse_argv(args, table)
    return parse_stdin(stdin_text or "", table, nodename_is_plug)
