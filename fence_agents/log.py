"""The agents' own log, without the ``logging`` module on the path of a plain action.

Importing ``logging`` costs a plain agent run ~10 ms (threading, traceback, weakref, string...), a fifth of a
whole stock fence_wti run. Our records are one formatted line each, so :class:`Log` formats and writes them
itself to the run's sinks (stderr, the debug file: :mod:`fence_agents.logsetup` installs them). Only when a
library that logs through ``logging`` is loaded (asyncssh, pysnmp) does logsetup bridge its records here.

Outside a run (a unit test driving a Device directly), records go to the standard ``logging`` logger of the
same name, so pytest's ``caplog`` sees them.

Our records are our own text and are never masked: a message must not contain a secret in the first place
(a :class:`~fence_agents.secret.Secret` formats as ``***``). Text from outside (the device's dialogue,
echoed input) is masked where it enters, with :class:`~fence_agents.secret.Redactor`.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    class Logger(Protocol):
        """What transports and devices log through: our :class:`Log`, or a ``logging.Logger`` (tests)."""

        def debug(self, msg: object, *args: object) -> None: ...

        def info(self, msg: object, *args: object) -> None: ...

        def warning(self, msg: object, *args: object) -> None: ...

        def error(self, msg: object, *args: object) -> None: ...


class Level(int):
    """A log level; the numbers are the ``logging`` module's, so a bridged record keeps its level."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return LEVEL_NAMES.get(self, f"Level {int(self)}")


DEBUG, INFO, WARNING, ERROR = Level(10), Level(20), Level(30), Level(40)
LEVEL_NAMES = {DEBUG: "DEBUG", INFO: "INFO", WARNING: "WARNING", ERROR: "ERROR", Level(50): "CRITICAL"}

# a sink receives the level and the formatted message (no time stamp); logsetup installs them
_sinks: list[Callable[[Level, str], None]] = []
_threshold: list[Level] = [WARNING]


def format_message(msg: object, args: tuple[object, ...]) -> str:
    """``msg % args`` as ``logging`` does it; a broken format never kills the agent."""
    if not args:
        return str(msg)
    try:
        return str(msg) % args
    except Exception:  # a bad format string in someone's log call
        return f"{msg!r} {args!r}"


def install(sinks: list[Callable[[Level, str], None]], threshold: Level) -> None:
    """Route every record at ``threshold`` or above to ``sinks`` (an empty list: back to ``logging``)."""
    _sinks[:] = sinks
    _threshold[0] = threshold


def routed() -> bool:
    """Whether a run's sinks are installed (else records go to the ``logging`` module)."""
    return bool(_sinks)


def enabled(level: Level) -> bool:
    return level >= _threshold[0] if _sinks else True


class Log:
    """What agents and transports log through (``request.log``): the familiar four methods."""

    __slots__ = ("name",)

    def __init__(self, name: str = "fence_agents") -> None:
        self.name = name

    def log(self, level: Level, msg: object, *args: object) -> None:
        if _sinks:
            if level >= _threshold[0]:
                text = format_message(msg, args)
                for sink in tuple(_sinks):
                    sink(level, text)
            return
        import logging  # outside a run: hand the record to the standard library (caplog, embedding apps)

        logging.getLogger(self.name).log(int(level), format_message(msg, args))

    def debug(self, msg: object, *args: object) -> None:
        self.log(DEBUG, msg, *args)

    def info(self, msg: object, *args: object) -> None:
        self.log(INFO, msg, *args)

    def warning(self, msg: object, *args: object) -> None:
        self.log(WARNING, msg, *args)

    def error(self, msg: object, *args: object) -> None:
        self.log(ERROR, msg, *args)


def get(name: str = "fence_agents") -> Log:
    return Log(name)
