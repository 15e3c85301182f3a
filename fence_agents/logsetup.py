"""Logging for one agent run, with every secret replaced by ``***`` wherever text leaves the process.

Secrets are redacted at the source (:class:`~fence_agents.secret.Secret` prints as ``***``); this module
is the second line of defence: a filter on every handler (stderr, debug file) and a wrapper around
stdout/stderr rewrite any text that still contains a secret value.

Levels: stderr shows warnings and errors; ``-v`` (verbose level >= 1) adds DEBUG, which is where
transports log the device dialogue; ``-q`` silences stderr; ``-D FILE`` appends DEBUG records to FILE.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from fence_agents.errors import OutputClosed, UsageError

LOG_FORMAT = "%(asctime)-15s %(levelname)s: %(message)s"
MASK = "***"
STDOUT_MIN_SECRET = 4  # stdout is read by programs (list output): a 1-3 character secret is not masked there
CHATTY_LIBRARIES = ("asyncssh", "pysnmp", "pyghmi", "telnetlib3", "asyncio")


class Writable(Protocol):
    """What the agent writes its output and logs to (a text stream)."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


SHORT_SECRET = 4  # secrets shorter than this are masked as whole tokens only


class Redactor:
    """The secrets of this run (grows when a password script has run); longest first so none leaks."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        for s in secrets:
            if s and s not in self._secrets:
                self._secrets.append(s)
        self._secrets.sort(key=len, reverse=True)

    def redact(self, text: str, min_length: int = 1) -> str:
        for s in self._secrets:
            if len(s) < min_length or s not in text:
                continue
            if len(s) >= SHORT_SECRET:
                text = text.replace(s, MASK)
            else:
                # a very short secret ("on") is masked where it stands alone, not inside every word that
                # happens to contain it: "c***nect" would only garble the message
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", MASK, text)
        return text


def _bytes_shown_as_hex(text: str) -> str:
    """Undecodable input bytes (surrogate escapes) print as ``\\xff``, not as ``\\udcff``."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in someone's log call must not kill the agent
            message = f"{record.msg!r} {record.args!r}"
        record.msg = _bytes_shown_as_hex(self.redactor.redact(message))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        return True


class RedactingStream(io.TextIOBase):
    """A text stream that redacts what is written through it, then passes it on."""

    def __init__(self, inner: TextIO, redactor: Redactor, min_length: int = 1) -> None:
        super().__init__()
        self.inner = inner
        self.redactor = redactor
        self.min_length = min_length

    def write(self, text: str) -> int:
        if self.inner is None:  # the process was started with this descriptor closed
            raise OSError("output stream is closed")
        try:
            self.inner.write(self.redactor.redact(text, self.min_length))
        except BrokenPipeError:  # the reader went away (`| head`): a clear line, not "[Errno 32] Broken pipe"
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
        return self.inner.fileno()

    def isatty(self) -> bool:
        return self.inner.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", None) or "utf-8"


@dataclass
class LogSession:
    """Handlers installed on the root logger for one run; ``close`` removes them and restores levels."""

    redactor: Redactor
    handlers: list[logging.Handler] = field(default_factory=list)
    saved_levels: dict[str, int] = field(default_factory=dict)

    def close(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            try:
                handler.close()
            except Exception:
                pass
        self.handlers.clear()
        for name, level in self.saved_levels.items():
            logging.getLogger(name if name != "root" else None).setLevel(level)
        self.saved_levels.clear()


def _add(session: LogSession, handler: logging.Handler, level: int) -> None:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RedactingFilter(session.redactor))
    logging.getLogger().addHandler(handler)
    session.handlers.append(handler)


def _set_level(session: LogSession, name: str, level: int) -> None:
    logger = logging.getLogger(name if name != "root" else None)
    session.saved_levels.setdefault(name, logger.level)
    logger.setLevel(level)


def start(stderr: Writable, redactor: Redactor) -> LogSession:
    """Before options are known: warnings and errors to stderr."""
    session = LogSession(redactor)
    _set_level(session, "root", logging.WARNING)
    _add(session, logging.StreamHandler(stderr), logging.WARNING)
    return session


def configure(
    session: LogSession, stderr: Writable, verbose_level: int, quiet: bool, debug_file: str | None
) -> None:
    """Replace the start-up handler with the run's: stderr (unless quiet) and the debug file."""
    session.close()
    verbose = verbose_level > 0
    _set_level(session, "root", logging.DEBUG if (verbose or debug_file) else logging.WARNING)
    for name in CHATTY_LIBRARIES:  # library internals only from -vvv on
        _set_level(session, name, logging.DEBUG if verbose_level >= 3 else logging.WARNING)
    if not quiet:
        _add(session, logging.StreamHandler(stderr), logging.DEBUG if verbose else logging.WARNING)
    if debug_file:
        try:
            handler = logging.FileHandler(debug_file, encoding="utf-8")
        except OSError:
            raise UsageError(f"Failed: Unable to create file {debug_file}") from None
        _add(session, handler, logging.DEBUG)
