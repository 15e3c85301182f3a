"""The expect-style channel every text transport (telnet, ssh, serial) offers agents.

Every call has a deadline. Reads accumulate in a buffer; ``expect`` returns when one pattern matches,
raises :class:`~fence_agents.errors.DeviceTimeout` when the deadline passes, and
:class:`~fence_agents.errors.ConnectionLost` when the peer closes first. Everything sent and received is
logged to the request's logger at DEBUG (``-v``); a :class:`Secret` is logged as ``***``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import contextmanager

from fence_agents.errors import ConnectionLost, DeviceTimeout, LoginError
from fence_agents.secret import Secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from fence_agents.log import Logger

Pattern = str | re.Pattern[str]  # a str is a regular expression, compiled case-insensitively


class ExpectResult:
    """What ``expect`` found: which pattern matched, the match, and the text received before it."""

    __slots__ = ("index", "match", "before")

    def __init__(self, index: int, match: re.Match[str], before: str) -> None:
        self.index = index
        self.match = match
        self.before = before

    def __repr__(self) -> str:
        return f"ExpectResult(index={self.index}, match={self.match!r}, before={self.before!r})"


class Channel(ABC):
    eol: str = "\r\n"

    @abstractmethod
    def send(self, data: str | Secret) -> None: ...

    def sendline(self, line: str | Secret = "") -> None:
        if isinstance(line, Secret):
            self.send(Secret(line.reveal() + self.eol))
        else:
            self.send(line + self.eol)

    @abstractmethod
    def expect(self, patterns: Sequence[Pattern], timeout: float) -> ExpectResult: ...

    @abstractmethod
    def close(self) -> None: ...

    def shown(self, text: str) -> str:
        """Device text as it may go into a message or log: the run's secrets masked (a device may echo
        what we typed). Transports that know the secrets override this."""
        return text

    def leave(self, line: str) -> None:
        """Send a last command (a device's logout) and close. Never raises: the device may have hung up
        first, and leaving is only a courtesy to it."""
        try:
            self.sendline(line)
        except Exception:  # noqa: BLE001 - any failure here changes nothing for the caller
            pass
        finally:
            self.close()


@contextmanager
def login_dialogue(log: Logger, leave: Callable[[], None]) -> Iterator[None]:
    """Around a device's login dialogue: a device that goes quiet or hangs up before showing its command
    prompt has refused us (LoginError); any failure leaves the session closed."""
    try:
        yield
    except (DeviceTimeout, ConnectionLost):
        log.debug("no command prompt after login")
        leave()
        raise LoginError() from None
    except Exception:
        leave()
        raise
