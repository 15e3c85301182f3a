"""Logging in to a device's command line (NPS, Brocade): the dialogue as a pure state machine, the
timeouts every such agent reads, and the one loop that drives the dialogue over a channel.

A device asks for a user name (``login:``, ``Login Name:``, ``username:``, ``User Name :``) and/or a
password (``Password:``, ``Enter Password:``, Brocade's ``pass phrase:``), or goes straight to its prompt;
a password-only NPS is common. A refusal (``Invalid password`` ...) after we answered ends the login at
once, so a wrong password fails fast instead of waiting for the login timeout; the same words seen before
we sent anything are a stale screen (e.g. a serial line woken by an empty line) and are skipped. Asked
again for what we sent: refused.
"""

from __future__ import annotations

import enum
import time

from fence_agents.errors import LoginError, UsageError
from fence_agents.transports.base import login_dialogue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from fence_agents.request import Request
    from fence_agents.transports.base import Channel

REFUSED = (
    r"(invalid\s+(password|login|user\s*name|user))|(login incorrect)|(access denied)"
    r"|(authentication failed)|(permission denied)"
)
ASKS_USER = r"((?<!last )login\s*:)|(login name\s*:)|(user\s*name\s*:)"
ASKS_PASSWORD = r"(password|pass phrase)\s*:"
DEFAULT_COMMAND_TIMEOUT = 20.0  # upstream's power_timeout


class Step(enum.Enum):
    WAIT = "wait"  # nothing to send; keep reading
    SEND_USER = "send_user"
    SEND_PASSWORD = "send_password"
    DONE = "done"  # the command prompt is showing


class LoginDialogue:
    """Feed it the index of the pattern that matched; it answers with the next :class:`Step`."""

    REFUSED, USER, PASSWORD, PROMPT = range(4)

    def __init__(self, prompts: Sequence[str], has_user: bool, has_password: bool) -> None:
        prompt = "|".join(f"({p})" for p in prompts)
        self.patterns = [REFUSED, ASKS_USER, ASKS_PASSWORD, prompt]
        self.has_user = has_user
        self.has_password = has_password
        self.user_sent = 0
        self.password_sent = 0

    def react(self, index: int) -> Step:
        if index == self.PROMPT:
            return Step.DONE
        if index == self.REFUSED:
            if self.user_sent or self.password_sent:
                raise LoginError()
            return Step.WAIT
        if index == self.USER:
            if self.password_sent or self.user_sent:
                raise LoginError()  # asked again: the device did not take what we sent
            if not self.has_user:
                raise UsageError("Failed: You have to set login name")
            self.user_sent += 1
            return Step.SEND_USER
        if index == self.PASSWORD:
            if self.password_sent:
                raise LoginError()
            if not self.has_password:
                raise UsageError("Failed: You have to enter password or password script")
            self.password_sent += 1
            return Step.SEND_PASSWORD
        raise ValueError(f"no pattern {index}")


class Timeouts:
    """The deadlines of a command-line session, from the request (seconds)."""

    __slots__ = ("login", "shell", "command")

    def __init__(self, request: Request) -> None:
        self.login = request.seconds("login_timeout", 5.0)  # connect + the whole login dialogue
        self.shell = request.seconds("shell_timeout", 3.0)  # the prompt after a listing command
        # the prompt after a power command may wait for the relay; power_timeout 0 (disable_timeout)
        # means "poll for ever", which must not become "no time at all" for one answer
        self.command = request.seconds("power_timeout", DEFAULT_COMMAND_TIMEOUT) or DEFAULT_COMMAND_TIMEOUT


def log_in(
    channel: Channel, request: Request, prompts: Sequence[str], timeout: float, leave: Callable[[], None]
) -> None:
    """Answer the device's login dialogue until its command prompt shows, within ``timeout`` seconds.

    A device that goes quiet or hangs up before its prompt has refused us (LoginError); any failure
    calls ``leave`` so the session is closed."""
    dialogue = LoginDialogue(prompts, bool(request.login), bool(request.password))
    deadline = time.monotonic() + timeout
    with login_dialogue(request.log, leave):
        while True:
            found = channel.expect(dialogue.patterns, max(deadline - time.monotonic(), 0.0))
            step = dialogue.react(found.index)
            if step is Step.DONE:
                return
            if step is Step.SEND_USER:
                channel.sendline(request.login or "")
            elif step is Step.SEND_PASSWORD and request.password is not None:
                channel.sendline(request.password)
