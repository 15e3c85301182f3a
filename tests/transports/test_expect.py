"""The pure expect buffer, the shared expect loop (over a scripted stream) and log redaction."""

from __future__ import annotations

import logging
import re

import pytest

from fence_agents.errors import ConnectionLost, DeviceTimeout
from fence_agents.secret import Secret
from fence_agents.transports.expect import MAX_BUFFER, ExpectBuffer, StreamChannel, compile_patterns, redactor


def test_search_earliest_match_wins_and_consumes() -> None:
    buf = ExpectBuffer()
    buf.feed("banner\r\nPassword: NPS> ")
    found = buf.search(compile_patterns(["NPS>", "password: "]))
    assert found is not None
    assert found.index == 1 and found.before == "banner\r\n"
    assert buf.text == "NPS> "


def test_patterns_are_case_insensitive_and_compiled_kept() -> None:
    buf = ExpectBuffer()
    buf.feed("nps> ")
    assert buf.search(compile_patterns(["NPS>"])) is not None
    buf.feed("ABC")
    assert buf.search(compile_patterns([re.compile("abc")])) is None


def test_no_match_keeps_text_and_bound() -> None:
    buf = ExpectBuffer()
    buf.feed("x" * (MAX_BUFFER + 10))
    assert buf.search(compile_patterns(["y"])) is None
    assert len(buf.text) == MAX_BUFFER


def test_redactor_replaces_longest_first() -> None:
    redact = redactor(["abc", "abcdef", ""])
    assert redact("pw abcdef and abc") == "pw *** and ***"


class Scripted(StreamChannel):
    """A stream that returns prepared chunks and a fake clock advanced by each empty read."""

    def __init__(self, chunks: list[bytes | None], log: logging.Logger, secrets: list[str]) -> None:
        self.now = 0.0
        super().__init__(log, secrets, name="fake", clock=lambda: self.now)
        self.chunks = chunks
        self.sent = b""

    def _write(self, data: bytes) -> None:
        self.sent += data

    def _read(self, timeout: float) -> bytes | None:
        if not self.chunks:
            self.now += timeout
            return b""
        return self.chunks.pop(0)

    def _close(self) -> None:
        pass


def test_expect_joins_chunks_and_utf8_split(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("test.expect")
    ch = Scripted([b"Pass", b"word: \xc3", b"\xa9 NPS>"], log, [])
    assert ch.expect(["NPS>"], 1.0).before == "Password: \u00e9 "


def test_expect_times_out_on_fake_clock() -> None:
    ch = Scripted([b"nothing"], logging.getLogger("test.expect"), [])
    with pytest.raises(DeviceTimeout):
        ch.expect(["NPS>"], 2.0)
    assert ch.now == pytest.approx(2.0)


def test_expect_eof_raises_connection_lost_after_matching_what_is_left() -> None:
    ch = Scripted([b"NPS> bye", None], logging.getLogger("test.expect"), [])
    assert ch.expect(["NPS>"], 1.0).index == 0
    with pytest.raises(ConnectionLost):
        ch.expect(["NPS>"], 1.0)


def test_secrets_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ch = Scripted([b"echo s3cret\r\nNPS>"], logging.getLogger("test.expect"), ["s3cret"])
    ch.sendline(Secret("s3cret"))
    ch.send("plain s3cret\r\n")
    ch.expect(["NPS>"], 1.0)
    assert ch.sent == b"s3cret\r\nplain s3cret\r\n"
    assert "s3cret" not in caplog.text
    assert "***" in caplog.text
