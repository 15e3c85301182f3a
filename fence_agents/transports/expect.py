"""The expect core shared by every text transport: a pure buffer matcher and one deadline-driven loop.

:class:`ExpectBuffer` is pure (text in, matches out). :class:`StreamChannel` implements the whole
:class:`~fence_agents.transports.base.Channel` contract on top of three byte-level primitives a concrete
transport provides (``_write``, ``_read``, ``_close``), so telnet, ssh and serial share one expect loop,
one decoder and one logging/redaction policy.
"""

from __future__ import annotations

import codecs
import re
import time
from abc import abstractmethod

from fence_agents.errors import ConnectionLost, DeviceTimeout
from fence_agents.secret import Redactor, Secret
from fence_agents.transports.base import Channel, ExpectResult, Pattern

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from fence_agents.log import Logger

# A reply longer than this without any match is trimmed from the front (a chatty or broken device must
# not grow memory without bound); the tail is kept so a prompt split across reads still matches.
MAX_BUFFER = 256 * 1024


def compile_patterns(patterns: Sequence[Pattern]) -> list[re.Pattern[str]]:
    """A str is a regular expression, compiled case-insensitively; compiled patterns are kept as given."""
    return [p if isinstance(p, re.Pattern) else re.compile(p, re.IGNORECASE) for p in patterns]


class ExpectBuffer:
    """Received text waiting to be matched. Pure: no I/O, no clock."""

    def __init__(self) -> None:
        self.text = ""

    def feed(self, data: str) -> None:
        self.text += data
        if len(self.text) > MAX_BUFFER:
            self.text = self.text[-MAX_BUFFER:]

    def search(self, patterns: Sequence[re.Pattern[str]]) -> ExpectResult | None:
        """The match that starts earliest (lowest index on a tie); consume the buffer up to its end."""
        best: tuple[int, int, re.Match[str]] | None = None
        for index, pattern in enumerate(patterns):
            found = pattern.search(self.text)
            if found is not None and (best is None or found.start() < best[0]):
                best = (found.start(), index, found)
        if best is None:
            return None
        start, index, found = best
        before = self.text[:start]
        self.text = self.text[found.end() :]
        return ExpectResult(index=index, match=found, before=before)

    def take_all(self) -> str:
        text, self.text = self.text, ""
        return text


def redactor(secrets: Iterable[str]) -> Callable[[str], str]:
    """The masking a channel applies to the device's text: the one rule for all outside text. A
    :class:`Redactor` (with the words it keeps) is used as it is."""
    return (secrets if isinstance(secrets, Redactor) else Redactor(secrets)).redact


class StreamChannel(Channel):
    """A Channel over a byte stream. Subclasses open the stream and implement the three primitives."""

    def __init__(
        self,
        log: Logger,
        secrets: Iterable[str] = (),
        name: str = "channel",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.name = name
        self._clock = clock
        self._buffer = ExpectBuffer()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._redact = redactor(secrets)
        self._eof = False

    # -- primitives a transport provides ----------------------------------------------------------
    @abstractmethod
    def _write(self, data: bytes) -> None:
        """Send bytes; raise ConnectionLost when the peer is gone."""

    @abstractmethod
    def _read(self, timeout: float) -> bytes | None:
        """Wait at most ``timeout`` seconds for bytes: b"" if none came, None at end of stream."""

    @abstractmethod
    def _close(self) -> None:
        """Release the stream; never raise."""

    # -- the Channel contract -------------------------------------------------------------------
    def send(self, data: str | Secret) -> None:
        if isinstance(data, Secret):
            text = data.reveal()
            self.log.debug("%s send: ***", self.name)
        else:
            text = data
            self.log.debug("%s send: %r", self.name, self._redact(text))
        self._write(text.encode("utf-8"))

    def expect(self, patterns: Sequence[Pattern], timeout: float) -> ExpectResult:
        compiled = compile_patterns(patterns)
        deadline = self._clock() + max(0.0, timeout)
        while True:
            result = self._buffer.search(compiled)
            if result is not None:
                self.log.debug("%s recv: %r", self.name, self._redact(result.before + result.match.group(0)))
                return result
            if self._eof:
                self.log.debug("%s closed by peer; unmatched: %r", self.name, self._redact(self._buffer.text))
                raise ConnectionLost()
            remaining = deadline - self._clock()
            if remaining <= 0:
                self.log.debug(
                    "%s timed out after %.1fs waiting for %s; unmatched: %r",
                    self.name,
                    timeout,
                    [p.pattern for p in compiled],
                    self._redact(self._buffer.text),
                )
                raise DeviceTimeout()
            data = self._read(remaining)
            if data is None:
                self._eof = True
                self._buffer.feed(self._decoder.decode(b"", final=True))
            elif data:
                self._buffer.feed(self._decoder.decode(data))

    def close(self) -> None:
        self._close()

    def shown(self, text: str) -> str:
        return self._redact(text)

    def __enter__(self) -> StreamChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
