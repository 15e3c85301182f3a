"""The login dialogue state machine: every prompt form, refusals, missing credentials."""

from __future__ import annotations

import re

import pytest

from fence_agents.agents.cli_login import LoginDialogue, Step
from fence_agents.agents.nps_screens import DEFAULT_PROMPTS
from fence_agents.errors import LoginError, UsageError


def kind(dialogue: LoginDialogue, screen: str) -> int:
    """Which pattern matches first in a screen (earliest position, as the expect core does)."""
    hits = [(m.start(), i) for i, p in enumerate(dialogue.patterns) if (m := re.search(p, screen, re.I))]
    return min(hits)[1]


@pytest.mark.parametrize("screen", ["login: ", "Login Name:  ", "username: ", "User Name :"])
def test_user_prompts(screen: str) -> None:
    d = LoginDialogue(DEFAULT_PROMPTS, True, True)
    assert d.react(kind(d, screen)) is Step.SEND_USER
    assert d.react(kind(d, "Password: ")) is Step.SEND_PASSWORD
    assert d.react(kind(d, "\r\nNPS> ")) is Step.DONE


@pytest.mark.parametrize("screen", ["Password: ", "Enter Password:", "(admin@host) Password:"])
def test_password_only(screen: str) -> None:
    d = LoginDialogue(DEFAULT_PROMPTS, False, True)
    assert d.react(kind(d, "Network Power Switch v1.43\r\n" + screen)) is Step.SEND_PASSWORD
    assert d.react(kind(d, "IPS> ")) is Step.DONE


def test_straight_to_prompt_and_custom_prompt() -> None:
    assert LoginDialogue(DEFAULT_PROMPTS, False, False).react(3) is Step.DONE
    d = LoginDialogue(["sw0:admin>"], False, False)
    assert d.react(kind(d, "Last login: today\r\nsw0:admin> ")) is Step.DONE


def test_refusal_after_password_fails_at_once() -> None:
    d = LoginDialogue(DEFAULT_PROMPTS, False, True)
    d.react(kind(d, "Enter Password: "))
    with pytest.raises(LoginError):
        d.react(kind(d, "\r\nInvalid password\r\nEnter Password: "))


def test_asked_again_is_refusal() -> None:
    d = LoginDialogue(DEFAULT_PROMPTS, True, True)
    d.react(kind(d, "login: "))
    d.react(kind(d, "Password: "))
    with pytest.raises(LoginError):
        d.react(kind(d, "login: "))
    d = LoginDialogue(DEFAULT_PROMPTS, False, True)
    d.react(kind(d, "Password: "))
    with pytest.raises(LoginError):
        d.react(kind(d, "Password: "))


def test_stale_refusal_before_sending_is_skipped() -> None:
    d = LoginDialogue(DEFAULT_PROMPTS, False, True)
    assert d.react(kind(d, "Invalid password\r\nEnter Password: ")) is Step.WAIT
    assert d.react(kind(d, "Enter Password: ")) is Step.SEND_PASSWORD


def test_missing_credentials_are_usage_errors() -> None:
    d = LoginDialogue(DEFAULT_PROMPTS, False, True)
    with pytest.raises(UsageError, match="set login name"):
        d.react(kind(d, "login: "))
    d = LoginDialogue(DEFAULT_PROMPTS, True, False)
    with pytest.raises(UsageError, match="enter password"):
        d.react(kind(d, "Password: "))
