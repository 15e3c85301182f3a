"""Device configuration: TOML files and typed, strict reading of tables (unknown keys are errors).

Keys every device understands (top level of its TOML file):
``host`` (127.0.0.1), ``telnet_port`` / ``ssh_port`` (0 = any free port, false = off),
``serial`` (bool: a pty),
and ``[[faults]]`` tables (kind, command, seconds, plugs, state, after, times; see faults.py).
"""

from __future__ import annotations

import shlex
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from emulators.base.faults import FaultError, FaultPlan, fault_from_mapping, parse_fault
from emulators.base.front_ends import Listen
from emulators.base.wiring import ProcessTarget, Wiring

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration the device cannot run with; the message is one line for the user."""


def load_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: {err}") from None
    except UnicodeDecodeError as err:  # TOML is UTF-8; say where the first bad byte is
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise ConfigError(f"{path}: {err.strerror or err}") from None


_TYPE_NAMES = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list"}


class Table:
    """Reads one TOML table; every key read is ticked off, ``finish()`` rejects the rest."""

    def __init__(self, data: Mapping[str, Any], where: str = "config") -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"{where} must be a table")
        self.data = dict(data)
        self.where = where
        self.seen: set[str] = set()

    def get(self, key: str, kind: type[T], default: T) -> T:
        self.seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ConfigError(f"{self.where}.{key} must be {_TYPE_NAMES.get(kind, kind.__name__)}")
        return value  # type: ignore[no-any-return]

    def raw(self, key: str, default: Any = None) -> Any:
        self.seen.add(key)
        return self.data.get(key, default)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key '{unknown[0]}'")


def port_setting(table: Table, key: str, default: int | None) -> int | None:
    value = table.raw(key, default)
    if value is False or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise ConfigError(f"{table.where}.{key} must be a port number (0 = any free port) or false")
    return value


def listen_from(table: Table, ssh_default: bool = True) -> Listen:
    return Listen(
        host=table.get("host", str, "127.0.0.1"),
        telnet_port=port_setting(table, "telnet_port", 0),
        ssh_port=port_setting(table, "ssh_port", 0 if ssh_default else None),
        serial=table.get("serial", bool, False),
    )


def faults_from(table: Table, flags: Sequence[str] = ()) -> FaultPlan:
    plan = FaultPlan()
    items = table.get("faults", list, [])
    try:
        for i, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise ConfigError(f"{table.where}.faults[{i}] must be a table")
            plan.add(fault_from_mapping(item))
        for text in flags:
            plan.add(parse_fault(text))
    except FaultError as err:
        raise ConfigError(f"fault: {err}") from None
    return plan


def command_argv(value: Any, where: str) -> list[str]:
    """A wired process: a list of strings, or one string split like a shell would (no shell is run)."""
    if isinstance(value, str):
        try:
            argv = shlex.split(value)
        except ValueError as err:
            raise ConfigError(f"{where}: {err}") from None
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        argv = list(value)
    else:
        raise ConfigError(f"{where} must be a command (a string or a list of strings)")
    if not argv:
        raise ConfigError(f"{where} is an empty command")
    return argv


def wiring_from(commands: Mapping[str, list[str]]) -> Wiring:
    return Wiring({outlet: ProcessTarget(argv) for outlet, argv in commands.items()})


def parse_wire_flag(text: str) -> tuple[str, list[str]]:
    """``--wire 1='sleep 100'`` -> ("1", ["sleep", "100"])."""
    outlet, eq, command = text.partition("=")
    if not eq or not outlet.strip():
        raise ConfigError(f"--wire {text!r}: expected OUTLET=COMMAND")
    return outlet.strip(), command_argv(command, f"--wire {outlet.strip()}")
