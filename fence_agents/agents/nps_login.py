"""The NPS login dialogue as a pure state machine: what the device showed in, what to send out.

A WTI unit asks for a user name (``login:``, ``Login Name:``, ``username:``, ``User Name :``) and/or a
password (``Password:``, ``Enter Password:``), or goes straight to its prompt; a password-only NPS is
common. A refusal (``Invalid password`` ...) after we answered ends the login at once, so a wrong
password fails fast instead of waiting for the login timeout; the same words seen before we sent anything
are a stale screen (e.g. a serial line woken by an empty line) and are skipped.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from fence_agents.errors import LoginError, UsageError

REFUSED = (
    r"(invalid\s+(password|login|user\s*name|user))|(login incorrect)|(access denied)"
    r"|(authentication failed)|(permission denied)"
)
ASKS_USER = r"((?<!last )login\s*:)|(login name\s*:)|(user\s*name\s*:)"
ASKS_PASSWORD = r"password\s*:"


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
