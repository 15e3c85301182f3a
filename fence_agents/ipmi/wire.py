"""IPMI-over-LAN framing: RMCP, the IPMI 1.5 session-less header, RMCP+ packets (with integrity and
confidentiality once a session is up) and the IPMI request/response message inside them. Pure.

Facts (IPMI 2.0, section 13): every datagram starts with the RMCP header ``06 00 ff 07``. An RMCP+
packet is auth type 06, payload type (bit 7 encrypted, bit 6 authenticated), session id and sequence
number (little-endian), payload length, payload. Encrypted payloads are a 16-byte IV then AES-CBC of
payload + pad bytes 01 02 .. n + n, a whole number of blocks. Authenticated packets end with 0xff pad
bytes so that the bytes from the auth type to the next-header byte are a multiple of 4, the pad
length, next header 07, and the HMAC (keyed with K1) of those bytes, truncated to the suite's length.
"""

from __future__ import annotations

import hmac

from fence_agents.ipmi import aes

RMCP_HEADER = b"\x06\x00\xff\x07"
AUTH_NONE = 0x00
AUTH_RMCPPLUS = 0x06
PAYLOAD_IPMI = 0x00
PAYLOAD_OPEN_SESSION_REQUEST = 0x10
PAYLOAD_OPEN_SESSION_RESPONSE = 0x11
PAYLOAD_RAKP1, PAYLOAD_RAKP2, PAYLOAD_RAKP3, PAYLOAD_RAKP4 = 0x12, 0x13, 0x14, 0x15
ENCRYPTED, AUTHENTICATED = 0x80, 0x40
BMC_ADDRESS = 0x20
CONSOLE_ADDRESS = 0x81  # a remote console's software id
NEXT_HEADER = 0x07
BLOCK = 16


class WireError(ValueError):
    """A datagram that is not what it claims to be (dropped by the session, never trusted)."""


class Response:
    """One IPMI response message: ``netfn`` is the response's (request netfn + 1)."""

    __slots__ = ("netfn", "command", "seq", "code", "data")

    def __init__(self, netfn: int, command: int, seq: int, code: int, data: bytes) -> None:
        self.netfn, self.command, self.seq, self.code, self.data = netfn, command, seq, code, data

    def __repr__(self) -> str:
        return f"Response(netfn={self.netfn:#04x}, cmd={self.command:#04x}, code={self.code:#04x})"


class Keys:
    """What seals and opens the packets of one session: K1 (integrity), the AES key (K2's first 16
    bytes), the hash and how many bytes of its HMAC go on the wire."""

    __slots__ = ("k1", "aes_key", "hash_name", "mac_length")

    def __init__(self, k1: bytes, aes_key: bytes, hash_name: str, mac_length: int) -> None:
        self.k1, self.aes_key, self.hash_name, self.mac_length = k1, aes_key, hash_name, mac_length


def checksum(data: bytes) -> int:
    """The IPMI two's-complement checksum: data + checksum sums to 0 modulo 256."""
    return -sum(data) & 0xFF


def request_message(netfn: int, command: int, seq: int, data: bytes = b"") -> bytes:
    """An IPMI request from the remote console (0x81) to the BMC (0x20), LUN 0."""
    head = bytes([BMC_ADDRESS, (netfn & 0x3F) << 2])
    body = bytes([CONSOLE_ADDRESS, (seq & 0x3F) << 2, command]) + data
    return head + bytes([checksum(head)]) + body + bytes([checksum(body)])


def parse_response_message(message: bytes) -> Response:
    """An IPMI response to the console; raises WireError on a bad length, address or checksum."""
    if len(message) < 8:
        raise WireError("IPMI response too short")
    if checksum(message[:2]) != message[2] or checksum(message[3:-1]) != message[-1]:
        raise WireError("IPMI response checksum mismatch")
    if message[0] != CONSOLE_ADDRESS:
        raise WireError("IPMI response for another requester")
    return Response(message[1] >> 2, message[5], message[4] >> 2, message[6], bytes(message[7:-1]))


def sessionless(message: bytes) -> bytes:
    """An IPMI 1.5 packet outside any session (auth type none, sequence and session id 0)."""
    return RMCP_HEADER + bytes([AUTH_NONE]) + bytes(8) + bytes([len(message)]) + message


def parse_sessionless(datagram: bytes) -> Response:
    if len(datagram) < 14 or datagram[:4] != RMCP_HEADER or datagram[4] != AUTH_NONE:
        raise WireError("not a session-less IPMI 1.5 packet")
    length = datagram[13]
    if len(datagram) < 14 + length:
        raise WireError("IPMI 1.5 packet shorter than its length")
    return parse_response_message(datagram[14 : 14 + length])


def plain_packet(payload_type: int, payload: bytes) -> bytes:
    """An RMCP+ packet outside a session (session set-up): session id and sequence number 0."""
    return (
        RMCP_HEADER
        + bytes([AUTH_RMCPPLUS, payload_type])
        + bytes(8)
        + len(payload).to_bytes(2, "little")
        + payload
    )


def parse_plain_packet(datagram: bytes) -> tuple[int, bytes]:
    """(payload type, payload) of an unauthenticated RMCP+ packet."""
    if len(datagram) < 16 or datagram[:4] != RMCP_HEADER or datagram[4] != AUTH_RMCPPLUS:
        raise WireError("not an RMCP+ packet")
    if datagram[5] & (ENCRYPTED | AUTHENTICATED):
        raise WireError("a session packet where a set-up packet was expected")
    length = int.from_bytes(datagram[14:16], "little")
    if len(datagram) < 16 + length:
        raise WireError("RMCP+ packet shorter than its length")
    return datagram[5] & 0x3F, bytes(datagram[16 : 16 + length])


def confidentiality_pad(length: int) -> bytes:
    """Pad bytes 01 02 .. n and the pad length n that make ``length`` + pad a whole number of blocks."""
    n = (BLOCK - (length + 1) % BLOCK) % BLOCK
    return bytes(range(1, n + 1)) + bytes([n])


def seal(keys: Keys, session_id: int, seq: int, payload: bytes, iv: bytes) -> bytes:
    """An encrypted, authenticated IPMI payload packet of an established session."""
    plain = payload + confidentiality_pad(len(payload))
    body = iv + aes.encrypt(keys.aes_key, iv, plain)
    packet = (
        RMCP_HEADER
        + bytes([AUTH_RMCPPLUS, ENCRYPTED | AUTHENTICATED | PAYLOAD_IPMI])
        + session_id.to_bytes(4, "little")
        + seq.to_bytes(4, "little")
        + len(body).to_bytes(2, "little")
        + body
    )
    pad = -(len(packet) - 4 + 2) % 4
    packet += b"\xff" * pad + bytes([pad, NEXT_HEADER])
    return packet + hmac.digest(keys.k1, packet[4:], keys.hash_name)[: keys.mac_length]


def unseal(keys: Keys, datagram: bytes) -> tuple[int, int, bytes]:
    """(session id, sequence number, payload) of a sealed packet; WireError if anything is off (the
    integrity check is made first, in constant time, before anything else of the packet is used)."""
    n = keys.mac_length
    if len(datagram) < 16 + 2 * BLOCK + 2 + n or datagram[:4] != RMCP_HEADER:
        raise WireError("not a sealed RMCP+ packet")
    if datagram[4] != AUTH_RMCPPLUS or datagram[5] != ENCRYPTED | AUTHENTICATED | PAYLOAD_IPMI:
        raise WireError("an unencrypted or unauthenticated packet inside a session")
    signed, mac = datagram[4:-n], datagram[-n:]
    if not hmac.compare_digest(hmac.digest(keys.k1, signed, keys.hash_name)[:n], mac):
        raise WireError("integrity check failed")
    if datagram[-n - 1] != NEXT_HEADER or len(signed) % 4:
        raise WireError("bad integrity trailer")
    length = int.from_bytes(datagram[14:16], "little")
    if length < 2 * BLOCK or length % BLOCK or 16 + length > len(datagram) - n - 2:
        raise WireError("bad encrypted payload length")
    iv, encrypted = datagram[16:32], datagram[32 : 16 + length]
    plain = aes.decrypt(keys.aes_key, iv, encrypted)
    pad = plain[-1]
    if pad >= BLOCK:  # the pad bytes themselves are covered by the integrity check: not judged
        raise WireError("bad confidentiality pad")
    session_id = int.from_bytes(datagram[6:10], "little")
    seq = int.from_bytes(datagram[10:14], "little")
    return session_id, seq, plain[: -1 - pad]
