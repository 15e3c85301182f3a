"""The pure telnet state machine: negotiation answers, IAC stripping, CR NUL, outgoing escaping."""

from __future__ import annotations

from fence_agents.transports.telnet_protocol import (
    DO,
    DONT,
    IAC,
    OPT_ECHO,
    OPT_SGA,
    SB,
    SE,
    WILL,
    WONT,
    TelnetProtocol,
    encode_outgoing,
)

TTYPE, NAWS = 24, 31


def test_accepts_echo_and_sga_once_refuses_others() -> None:
    proto = TelnetProtocol()
    data, replies = proto.feed(
        bytes([IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA, IAC, DO, TTYPE, IAC, DO, NAWS])
    )
    assert data == b""
    assert replies == bytes([IAC, DO, OPT_ECHO, IAC, DO, OPT_SGA, IAC, WONT, TTYPE, IAC, WONT, NAWS])
    # a repeated WILL for an option already on is not answered again (no negotiation loop)
    assert proto.feed(bytes([IAC, WILL, OPT_ECHO])) == (b"", b"")
    assert proto.feed(bytes([IAC, WONT, OPT_ECHO])) == (b"", bytes([IAC, DONT, OPT_ECHO]))


def test_do_sga_answered_will_and_dont_answered_once() -> None:
    proto = TelnetProtocol()
    assert proto.feed(bytes([IAC, DO, OPT_SGA]))[1] == bytes([IAC, WILL, OPT_SGA])
    assert proto.feed(bytes([IAC, DONT, OPT_SGA]))[1] == bytes([IAC, WONT, OPT_SGA])
    assert proto.feed(bytes([IAC, DONT, OPT_SGA]))[1] == b""


def test_strips_commands_subnegotiation_and_split_sequences() -> None:
    proto = TelnetProtocol()
    stream = b"NP" + bytes([IAC, SB, TTYPE, 1, IAC, IAC, IAC, SE]) + b"S" + bytes([IAC, 241]) + b"> "
    out = b""
    for i in range(len(stream)):  # one byte at a time: every state survives a chunk boundary
        out += proto.feed(stream[i : i + 1])[0]
    assert out == b"NPS> "


def test_escaped_iac_and_cr_nul() -> None:
    proto = TelnetProtocol()
    data, _ = proto.feed(bytes([65, IAC, IAC, 13, 0, 66, 13, 10]))
    assert data == bytes([65, 255, 13, 66, 13, 10])
    assert proto.feed(b"\r")[0] == b"\r"
    assert proto.feed(b"\x00x")[0] == b"x"


def test_encode_outgoing() -> None:
    assert encode_outgoing(b"/S\r\n") == b"/S\r\n"
    assert encode_outgoing(b"a\rb\xff") == b"a\r\x00b\xff\xff"
    assert encode_outgoing(b"end\r") == b"end\r\x00"
