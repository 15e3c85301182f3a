"""The pure HTTP/1.1 framing: every way a response body can be framed, fed in any split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fence_agents.https.http1 import ProtocolError, ResponseReader, Truncated, encode_request

CHUNKED = (
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nOData-Version: 4.0\r\n\r\n"
    b'4;name=x\r\n{"a"\r\n3\r\n: 1\r\n1\r\n}\r\n0\r\nTrailer-One: x\r\n\r\n'
)
LENGTH = (
    b'HTTP/1.1 201 Created\r\nContent-Length: 8\r\nX-Auth-Token: t0k\r\nSet-A: 1\r\nset-a: 2\r\n\r\n{"a": 1}'
)


def read(data: bytes, head: bool = False, eof: bool = False) -> ResponseReader:
    reader = ResponseReader(head)
    reader.feed(data)
    if eof:
        reader.feed(b"")
    return reader


@given(st.lists(st.integers(min_value=1, max_value=len(CHUNKED) - 1), max_size=8))
def test_any_split_of_a_chunked_answer_reads_the_same(cuts: list[int]) -> None:
    reader, last = ResponseReader(), 0
    for cut in [*sorted(set(cuts)), len(CHUNKED)]:
        reader.feed(CHUNKED[last:cut])
        last = cut
    assert reader.response is not None
    assert (reader.response.body, reader.response.keep_alive) == (b'{"a": 1}', True)
    assert reader.response.header("OData-Version") == "4.0"


def test_content_length_and_repeated_fields() -> None:
    response = read(LENGTH).response
    assert response is not None and response.status == 201 and response.reason == "Created"
    assert response.body == b'{"a": 1}' and response.header("x-auth-token") == "t0k"
    assert response.header("set-a") == "1, 2"


def test_a_body_until_close_cannot_keep_the_connection() -> None:
    reader = read(b"HTTP/1.1 200 OK\r\n\r\n{}")
    assert not reader.done
    reader.feed(b"")
    assert reader.response is not None and (reader.response.body, reader.response.keep_alive) == (
        b"{}",
        False,
    )


def test_interim_answers_are_skipped_and_some_answers_have_no_body() -> None:
    response = read(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n").response
    assert response is not None and (response.status, response.body, response.keep_alive) == (204, b"", True)
    head = read(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", head=True).response
    assert head is not None and head.body == b""


@pytest.mark.parametrize(
    ("head", "keep"),
    [
        ("HTTP/1.1 200 OK\r\nConnection: close", False),
        ("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close", False),
        ("HTTP/1.0 200 OK", False),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive", True),
    ],
)
def test_which_answers_leave_the_connection_open(head: str, keep: bool) -> None:
    response = read(f"{head}\r\nContent-Length: 0\r\n\r\n".encode()).response
    assert response is not None and response.keep_alive is keep


def test_bytes_beyond_the_answer_do_not_reuse_the_connection() -> None:
    response = read(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1").response
    assert response is not None and response.body == b"{}" and not response.keep_alive


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"<html>oops</html>\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "unsupported Transfer-Encoding"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc", "does not end with CRLF"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", "too large"),
        (b"HTTP/1.1 200 OK\r\n bad: folded\r\n\r\n", "bad header field"),
    ],
)
def test_malformed_answers_are_protocol_errors(data: bytes, words: str) -> None:
    with pytest.raises(ProtocolError, match=words):
        read(data)


@pytest.mark.parametrize(
    "data", [b"", b"HTTP/1.1 200 OK\r\nContent-Le", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}"]
)
def test_a_connection_ending_early_is_truncated(data: bytes) -> None:
    with pytest.raises(Truncated):
        read(data, eof=True)


def test_requests_are_framed_and_refuse_line_breaks() -> None:
    post = encode_request("POST", "/r", "h:1", {"A": "b"}, b"{}")
    assert post == b"POST /r HTTP/1.1\r\nHost: h:1\r\nA: b\r\nContent-Length: 2\r\n\r\n{}"
    assert encode_request("POST", "/r", "h:1", {}, None).endswith(b"Content-Length: 0\r\n\r\n")
    assert b"Content-Length" not in encode_request("GET", "/r", "h:1", {}, None)
    with pytest.raises(ProtocolError):
        encode_request("GET", "/r\r\nX: y", "h:1", {}, None)


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50))
def test_any_bytes_give_a_response_or_a_protocol_error(data: bytes, step: int) -> None:
    reader = ResponseReader()
    try:
        for i in range(0, len(data), step):
            if not reader.done:
                reader.feed(data[i : i + step])
        if not reader.done:
            reader.feed(b"")
    except ProtocolError:
        return
    assert reader.response is not None and 100 <= reader.response.status <= 999


@given(st.binary(max_size=200))
def test_any_chunked_body_after_a_valid_head(body: bytes) -> None:
    reader = ResponseReader()
    try:
        reader.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        reader.feed(b"")
    except ProtocolError:
        return
    assert reader.response is not None
