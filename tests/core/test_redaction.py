"""The redactor: every secret masked; very short ones only where they stand alone."""

from __future__ import annotations

from fence_agents.logsetup import Redactor


def test_long_secret_masked_everywhere_even_inside_words() -> None:
    r = Redactor(["s3cretPW"])
    assert r.redact("pw=s3cretPW xs3cretPWy") == "pw=*** x***y"


def test_short_secret_masked_as_a_token_not_inside_words() -> None:
    r = Redactor(["on"])
    assert r.redact("Unable to connect/login: password on, 'on' rejected") == (
        "Unable to connect/login: password ***, '***' rejected"
    )


def test_longest_secret_first_so_no_part_leaks() -> None:
    r = Redactor(["abc", "abcdef"])
    assert r.redact("abcdef abc") == "*** ***"
