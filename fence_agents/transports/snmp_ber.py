"""SNMP v1/v2c messages in BER (RFC 1157, RFC 3416), as pure functions: bytes in, values out.

Hand-written instead of pysnmp's message API, whose import (pyasn1, pysnmp.debug -> logging...) cost a
fence_ifmib status run more than the stock agent's whole run; a community message is five TLVs deep and
an agent sends three kinds (GET, SET of an INTEGER, GETBULK/GETNEXT). pysnmp stays the engine for v3.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

Oid = tuple[int, ...]

VERSION_1, VERSION_2C = 0, 1
GET, GET_NEXT, RESPONSE, SET, GET_BULK = 0xA0, 0xA1, 0xA2, 0xA3, 0xA5
_SEQUENCE, _INTEGER, _OCTETS, _NULL, _OID = 0x30, 0x02, 0x04, 0x05, 0x06
_IP_ADDRESS, _OPAQUE = 0x40, 0x44
_UNSIGNED = frozenset({0x41, 0x42, 0x43, 0x46})  # Counter32, Gauge32, TimeTicks, Counter64


class Exceptional:
    """A v2 exception value in place of a variable's value (RFC 3416 section 3)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NULL = Exceptional("null")  # the value of a request's variable, and v1's "no value"
NO_SUCH_OBJECT = Exceptional("noSuchObject")
NO_SUCH_INSTANCE = Exceptional("noSuchInstance")
END_OF_MIB_VIEW = Exceptional("endOfMibView")
_EXCEPTIONS = {0x80: NO_SUCH_OBJECT, 0x81: NO_SUCH_INSTANCE, 0x82: END_OF_MIB_VIEW}

Value = int | str | Oid | Exceptional


class Response:
    """A decoded Response-PDU."""

    __slots__ = ("version", "community", "request_id", "error_status", "error_index", "varbinds")

    def __init__(
        self,
        version: int,
        community: bytes,
        request_id: int,
        error_status: int,
        error_index: int,
        varbinds: list[tuple[Oid, Value]],
    ) -> None:
        self.version = version
        self.community = community
        self.request_id = request_id
        self.error_status = error_status
        self.error_index = error_index
        self.varbinds = varbinds


# -- encoding ------------------------------------------------------------------------------------------


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    return _tlv(_INTEGER, value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big", signed=True))


def _oid(oid: Oid) -> bytes:
    if len(oid) < 2 or oid[0] > 2 or (oid[0] < 2 and oid[1] > 39):
        raise ValueError(f"not an encodable OID: {oid}")
    body = bytearray()
    for arc in (oid[0] * 40 + oid[1], *oid[2:]):
        if arc < 0:
            raise ValueError(f"not an encodable OID: {oid}")
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _tlv(_OID, bytes(body))


def encode_request(
    version: int,
    community: str,
    pdu: int,
    request_id: int,
    varbinds: Sequence[tuple[Oid, int | None]],
    max_repetitions: int = 0,
) -> bytes:
    """A request message; a variable's value is None (NULL: GET, GETNEXT, GETBULK) or an INTEGER (SET).
    GETBULK has no non-repeaters and ``max_repetitions`` where the others carry error status and index."""
    bound = b"".join(
        _tlv(_SEQUENCE, _oid(oid) + (_tlv(_NULL, b"") if value is None else _integer(value)))
        for oid, value in varbinds
    )
    second, third = (0, max_repetitions) if pdu == GET_BULK else (0, 0)
    body = _integer(request_id) + _integer(second) + _integer(third) + _tlv(_SEQUENCE, bound)
    message = _integer(version) + _tlv(_OCTETS, community.encode("utf-8")) + _tlv(pdu, body)
    return _tlv(_SEQUENCE, message)


# -- decoding ------------------------------------------------------------------------------------------


def _read(data: bytes, at: int, end: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the TLV at ``at``; ValueError if it overruns."""
    if at + 2 > end:
        raise ValueError("truncated")
    tag, first = data[at], data[at + 1]
    at += 2
    if first & 0x80:
        size = first & 0x7F
        if size == 0 or size > 4 or at + size > end:
            raise ValueError("bad length")
        length = int.from_bytes(data[at : at + size], "big")
        at += size
    else:
        length = first
    if at + length > end:
        raise ValueError("truncated")
    return tag, at, at + length


def _expect(data: bytes, at: int, end: int, tag: int) -> tuple[int, int]:
    found, start, stop = _read(data, at, end)
    if found != tag:
        raise ValueError(f"tag {found:#04x} where {tag:#04x} belongs")
    return start, stop


def _int_at(data: bytes, at: int, end: int) -> tuple[int, int]:
    start, stop = _expect(data, at, end, _INTEGER)
    if start == stop:
        raise ValueError("empty integer")
    return int.from_bytes(data[start:stop], "big", signed=True), stop


def _decode_oid(body: bytes) -> Oid:
    if not body or body[-1] & 0x80:
        raise ValueError("bad OID")
    arcs: list[int] = []
    arc = 0
    for byte in body:
        arc = (arc << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(arc)
            arc = 0
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


def _value(tag: int, body: bytes) -> Value:
    if tag == _INTEGER:
        return int.from_bytes(body, "big", signed=True) if body else 0
    if tag in _UNSIGNED:
        return int.from_bytes(body, "big")
    if tag in (_OCTETS, _OPAQUE):
        return body.decode("utf-8", "replace")
    if tag == _OID:
        return _decode_oid(body)
    if tag == _IP_ADDRESS:
        return ".".join(str(b) for b in body)
    if tag == _NULL:
        return NULL
    if tag in _EXCEPTIONS:
        return _EXCEPTIONS[tag]
    raise ValueError(f"unknown value type {tag:#04x}")


def decode_response(data: bytes) -> Response:
    """A Response-PDU message; ValueError for anything else (a corrupt or foreign datagram)."""
    start, end = _expect(data, 0, len(data), _SEQUENCE)
    version, at = _int_at(data, start, end)
    c_start, at = _expect(data, at, end, _OCTETS)
    community = data[c_start:at]
    p_start, p_end = _expect(data, at, end, RESPONSE)
    request_id, at = _int_at(data, p_start, p_end)
    error_status, at = _int_at(data, at, p_end)
    error_index, at = _int_at(data, at, p_end)
    at, list_end = _expect(data, at, p_end, _SEQUENCE)
    varbinds: list[tuple[Oid, Value]] = []
    while at < list_end:
        vb_start, vb_end = _expect(data, at, list_end, _SEQUENCE)
        o_start, o_end = _expect(data, vb_start, vb_end, _OID)
        tag, v_start, v_end = _read(data, o_end, vb_end)
        varbinds.append((_decode_oid(data[o_start:o_end]), _value(tag, data[v_start:v_end])))
        at = vb_end
    return Response(version, bytes(community), request_id, error_status, error_index, varbinds)
