"""Where one agent run's records go (stderr, the debug file), and where secrets are masked.

Levels: stderr shows warnings and errors; ``-v`` (verbose level >= 1) adds DEBUG, which is where
transports log the device dialogue; from ``-vvv`` the libraries' own debug logs; ``-q`` silences stderr;
``-D FILE`` appends DEBUG records to FILE. Format ``%(asctime)-15s %(levelname)s: %(message)s``.

Masking happens only where a secret can occur: records of the libraries we bridge from ``logging``
(asyncssh, pysnmp... at ``-vvv``), stray prints of libraries to ``sys.stdout``/``sys.stderr``, and text
the agent marks as coming from outside (the device dialogue, echoed input: see
:class:`~fence_agents.secret.Redactor`). Our own messages are written as they are: they never contain a
secret, so ``wrong password for user 'admin'`` stays readable whatever the password is.
"""

from __future__ import annotations

import io
import sys
import time

from fence_agents import log
from fence_agents.errors import OutputClosed, UsageError
from fence_agents.log import DEBUG, WARNING, Level
from fence_agents.secret import Redactor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol, TextIO

    class Writable(Protocol):
        """What the agent writes its output and logs to (a text stream)."""

        def write(self, text: str, /) -> int: ...

        def flush(self) -> None: ...


__all__ = ["Redactor", "LogSession", "start", "configure", "bridge_library_logs"]

LOG_FORMAT = "%(asctime)-15s %(levelname)s: %(message)s"  # what each line looks like (as upstream)
CHATTY_LIBRARIES = ("asyncssh", "pysnmp", "pyghmi", "asyncio")


def timestamp(now: float) -> str:
    """``logging``'s asctime: local time with milliseconds, ``2026-12-01 08:40:06,123``."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f",{int(now % 1 * 1000):03d}"


def _bytes_shown_as_hex(text: str) -> str:
    """Undecodable input bytes (surrogate escapes) print as ``\\xff``, not as ``\\udcff``."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class LineSink:
    """Writes records at ``level`` or above as one line each; a dead stream never fails the agent."""

    def __init__(self, stream: Writable | None, level: Level, owned: bool = False) -> None:
        self.stream = stream
        self.level = level
        self.owned = owned  # a file we opened (the debug file): closed with the session

    def __call__(self, level: Level, text: str) -> None:
        if level < self.level or self.stream is None:
            return
        line = f"{timestamp(time.time())} {level.name}: {_bytes_shown_as_hex(text)}\n"
        try:
            self.stream.write(line)
            self.stream.flush()
        except Exception:  # a closed stderr must not turn a fence result into a traceback
            pass

    def close(self) -> None:
        if self.owned and self.stream is not None:
            try:
                self.stream.close()  # type: ignore[attr-defined]
            except Exception:
                pass


class OutputStream(io.TextIOBase):
    """A text stream passed on as is (our own output), or masked (``redactor``: stray library prints).

    A reader that went away (``| head``) gives a clear line instead of ``[Errno 32] Broken pipe``.
    """

    def __init__(self, inner: TextIO | None, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor

    def write(self, text: str) -> int:
        if self.inner is None:  # the process was started with this descriptor closed
            raise OSError("output stream is closed")
        try:
            self.inner.write(self.redactor.redact(text) if self.redactor else text)
        except BrokenPipeError:
            raise OutputClosed() from None
        return len(text)

    def flush(self) -> None:
        if self.inner is not None:
            try:
                self.inner.flush()
            except BrokenPipeError:
                raise OutputClosed() from None

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:  # for libraries that hand sys.stderr to a child process
        if self.inner is None:
            raise OSError("output stream is closed")
        return self.inner.fileno()

    def isatty(self) -> bool:
        return self.inner is not None and self.inner.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", None) or "utf-8"


class LogSession:
    """The sinks of one run; ``close`` removes them (and the bridge from ``logging``, if any)."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.sinks: list[LineSink] = []
        self.verbose_level = 0
        self._bridge: object | None = None  # the logging.Handler, once libraries' records are bridged
        self._saved_levels: dict[str, int] = {}

    def close(self) -> None:
        log.install([], WARNING)
        for sink in self.sinks:
            sink.close()
        self.sinks.clear()
        self._unbridge()

    def _unbridge(self) -> None:
        if self._bridge is None:
            return
        import logging

        logging.getLogger().removeHandler(self._bridge)  # type: ignore[arg-type]
        for name, level in self._saved_levels.items():
            logging.getLogger(name or None).setLevel(level)
        self._saved_levels.clear()
        self._bridge = None

    def threshold(self) -> Level:
        return min((s.level for s in self.sinks), default=WARNING)

    def bridge(self) -> None:
        """Hand the records of libraries that log through ``logging`` to our sinks, masked."""
        if self._bridge is not None or not self.sinks:
            return
        import logging

        session = self

        class Bridge(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                try:
                    text = record.getMessage()
                except Exception:  # a bad format string in a library's log call
                    text = f"{record.msg!r} {record.args!r}"
                if record.exc_info:
                    text += "\n" + logging.Formatter().formatException(record.exc_info)
                if not (record.name == "fence_agents" or record.name.startswith("fence_agents.")):
                    text = session.redactor.redact(text)  # a library's text may hold anything we gave it
                for sink in tuple(session.sinks):
                    sink(Level(record.levelno), text)

        handler = Bridge()
        logging.raiseExceptions = False  # a closed stderr must not turn into a "--- Logging error ---"
        root = logging.getLogger()
        self._set_level(logging, "", int(self.threshold()))
        for name in CHATTY_LIBRARIES:  # library internals only from -vvv on
            self._set_level(logging, name, 10 if self.verbose_level >= 3 else 30)
        root.addHandler(handler)
        self._bridge = handler

    def _set_level(self, logging: object, name: str, level: int) -> None:
        logger = logging.getLogger(name or None)  # type: ignore[attr-defined]
        self._saved_levels.setdefault(name, logger.level)
        logger.setLevel(level)


_current: list[LogSession] = []


def start(stderr: Writable | None, redactor: Redactor) -> LogSession:
    """Before options are known: warnings and errors to stderr."""
    session = LogSession(redactor)
    session.sinks.append(LineSink(stderr, WARNING))
    log.install(list(session.sinks), WARNING)
    _current[:] = [session]
    return session


def open_debug_file(path: str) -> TextIO:
    """The ``-D`` file, appended to (a function of its own so tests can keep random paths off disk)."""
    return open(path, "a", encoding="utf-8")


def configure(
    session: LogSession, stderr: Writable | None, verbose_level: int, quiet: bool, debug_file: str | None
) -> None:
    """Replace the start-up sink with the run's: stderr (unless quiet) and the debug file."""
    session.close()
    session.verbose_level = verbose_level
    if not quiet:
        session.sinks.append(LineSink(stderr, DEBUG if verbose_level > 0 else WARNING))
    try:
        if debug_file:
            try:
                session.sinks.append(LineSink(open_debug_file(debug_file), DEBUG, owned=True))
            except OSError:
                raise UsageError(f"Failed: Unable to create file {debug_file}") from None
    finally:  # the error above must still reach stderr
        log.install(list(session.sinks) or [_discard], session.threshold())
        _current[:] = [session]
        if "logging" in sys.modules:  # a library that logs is loaded already (or we run inside a test)
            session.bridge()


def _discard(level: Level, text: str) -> None:
    """The sink of a quiet run without a debug file: records go nowhere (not to ``logging``)."""


def bridge_library_logs() -> None:
    """Called by a transport right after it imported a library that may log through ``logging``."""
    if _current and "logging" in sys.modules:
        _current[0].bridge()
