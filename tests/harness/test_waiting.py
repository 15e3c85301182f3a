"""harness.waiting.wait_for on a patched clock (pytest-mock): the deadline logic without waiting for real."""

from __future__ import annotations

import pytest
from pytest_mock import MockerFixture

from harness import waiting


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(mocker: MockerFixture) -> FakeClock:
    """harness.waiting's monotonic clock and sleep replaced by a clock that jumps when slept on."""
    fake = FakeClock()
    mocker.patch.object(waiting.time, "monotonic", fake.monotonic)
    mocker.patch.object(waiting.time, "sleep", fake.sleep)
    return fake


def test_fails_at_the_deadline_naming_what_it_waited_for(clock: FakeClock) -> None:
    with pytest.raises(AssertionError, match=r"timed out after 2s waiting for the port \(last: 0\)"):
        waiting.wait_for("the port", lambda: 0, timeout=2.0, interval=0.5)
    assert clock.now == pytest.approx(102.0)


def test_returns_the_first_truthy_result_and_retries_listed_errors(clock: FakeClock) -> None:
    answers = iter([ConnectionError("not yet"), None, "ready"])

    def check() -> str | None:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert waiting.wait_for("x", check, timeout=5.0, interval=0.25, retry_on=(ConnectionError,)) == "ready"
    assert clock.now == pytest.approx(100.5)
