"""Telnet negotiation and line assembly (pure)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.base.lines import (
    BINARY,
    DO,
    DONT,
    ECHO,
    IAC,
    SB,
    SE,
    SGA,
    WILL,
    WONT,
    LineAssembler,
    TelnetCodec,
)


def feed(text: str) -> tuple[list[str], str]:
    asm = LineAssembler()
    lines, shown = [], ""
    for ch in text:
        line, echo = asm.push(ch)
        shown += echo
        if line is not None:
            lines.append(line)
    return lines, shown


def test_line_ends_each_count_once() -> None:
    assert feed("/S\r\n/ON 1\r\0/X\rpw\n")[0] == ["/S", "/ON 1", "/X", "pw"]
    assert feed("\r\n\r\n")[0] == ["", ""]


def test_backspace_and_control_characters() -> None:
    lines, shown = feed("/Sx\x7f\x01G\r\n")
    assert lines == ["/SG"]
    assert shown == "/Sx\b \bG\r\n"


def test_codec_offers_echo_and_sga_and_strips_commands() -> None:
    codec = TelnetCodec()
    assert codec.greeting() == bytes([IAC, WILL, ECHO, IAC, WILL, SGA])
    data = bytes([IAC, DO, ECHO, IAC, DO, SGA]) + b"ab" + bytes([IAC, IAC]) + b"c"
    payload, answer = codec.decode(data)
    assert payload == b"ab\xffc" and answer == b""  # DO for what we offered needs no answer
    assert codec.echo


def test_codec_agrees_binary_refuses_the_rest_once() -> None:
    codec = TelnetCodec()
    _, answer = codec.decode(bytes([IAC, WILL, BINARY, IAC, DO, BINARY, IAC, WILL, 31, IAC, WILL, 31]))
    assert answer == bytes([IAC, DO, BINARY, IAC, WILL, BINARY, IAC, DONT, 31])


def test_codec_subnegotiation_split_across_reads_and_dont_echo() -> None:
    codec = TelnetCodec()
    p1, _ = codec.decode(b"x" + bytes([IAC, SB, 24, 0]) + b"xterm")
    p2, _ = codec.decode(bytes([IAC, SE]) + b"y" + bytes([IAC]))
    p3, answer = codec.decode(bytes([DONT, ECHO]) + b"z")
    assert p1 + p2 + p3 == b"xyz"
    assert answer == bytes([IAC, WONT, ECHO]) and not codec.echo


def test_encode_is_utf8_and_never_a_bare_iac() -> None:
    assert TelnetCodec.encode("NPS> \xff") == b"NPS> \xc3\xbf"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=30), max_size=8))
def test_codec_never_raises_and_keeps_plain_bytes(chunks: list[bytes]) -> None:
    codec = TelnetCodec()
    payload = b"".join(codec.decode(c)[0] for c in chunks)
    if not any(IAC in c for c in chunks):
        assert payload == b"".join(chunks)
    lines, _ = feed(payload.decode("latin-1"))
    assert all("\r" not in line and "\n" not in line for line in lines)
