"""Our SNMP v1/v2c BER messages, refereed by pysnmp (a codec we did not write) in both directions."""

from __future__ import annotations

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

from fence_agents.transports import snmp_ber as ber

IF_ADMIN_3 = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 3)
V2C = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]


@pytest.mark.parametrize(
    "pdu, value, kind",
    [
        (ber.GET, None, "GetRequestPDU"),
        (ber.SET, 2, "SetRequestPDU"),
        (ber.GET_NEXT, None, "GetNextRequestPDU"),
    ],
)
def test_pysnmp_reads_our_requests(pdu: int, value: int | None, kind: str) -> None:
    wire = ber.encode_request(ber.VERSION_2C, "private", pdu, 0x123456, [(IF_ADMIN_3, value)])
    message, rest = decoder.decode(wire, asn1Spec=V2C.Message())
    assert rest == b""
    assert str(V2C.apiMessage.get_community(message)) == "private"
    request = V2C.apiMessage.get_pdu(message)
    assert request.__class__.__name__ == kind
    assert int(V2C.apiPDU.get_request_id(request)) == 0x123456
    [(oid, got)] = V2C.apiPDU.get_varbinds(request)
    assert tuple(oid) == IF_ADMIN_3
    assert (int(got) if value is not None else got.__class__.__name__) == (
        value if value is not None else "Null"
    )


def test_pysnmp_reads_our_getbulk() -> None:
    wire = ber.encode_request(
        ber.VERSION_2C, "public", ber.GET_BULK, 7, [((1, 3, 6, 1, 2, 1, 2, 2, 1, 2), None)], 25
    )
    message, _ = decoder.decode(wire, asn1Spec=V2C.Message())
    request = V2C.apiMessage.get_pdu(message)
    assert int(V2C.apiBulkPDU.get_max_repetitions(request)) == 25
    assert int(V2C.apiBulkPDU.get_non_repeaters(request)) == 0


def pysnmp_response(varbinds: list[tuple[tuple[int, ...], object]], status: int = 0, index: int = 0) -> bytes:
    rsp = V2C.GetResponsePDU()
    V2C.apiPDU.set_defaults(rsp)
    V2C.apiPDU.set_request_id(rsp, 99)
    V2C.apiPDU.set_error_status(rsp, status)
    V2C.apiPDU.set_error_index(rsp, index)
    V2C.apiPDU.set_varbinds(rsp, varbinds)
    msg = V2C.Message()
    V2C.apiMessage.set_defaults(msg)
    V2C.apiMessage.set_community(msg, "public")
    V2C.apiMessage.set_pdu(msg, rsp)
    return bytes(encoder.encode(msg))


def test_we_read_pysnmps_responses_of_every_value_type() -> None:
    values = [
        (IF_ADMIN_3, V2C.Integer(1)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 3), V2C.OctetString("port3")),
        ((1, 3, 6, 1, 2, 1, 1, 2, 0), V2C.ObjectIdentifier((1, 3, 6, 1, 4, 1, 1588, 2, 1, 1, 1))),
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), V2C.TimeTicks(4294967295)),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1), V2C.Counter64(2**64 - 1)),
        ((1, 3, 6, 1, 2, 1, 4, 20, 1, 1), V2C.IpAddress("192.0.2.7")),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 99), V2C.NoSuchInstance("")),
        ((1, 3, 6, 1, 2, 1, 99), V2C.EndOfMibView("")),
        ((1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 1), V2C.Integer(-5)),
    ]
    reply = ber.decode_response(pysnmp_response(values))
    assert (reply.version, reply.community, reply.request_id) == (ber.VERSION_2C, b"public", 99)
    assert [v for _, v in reply.varbinds] == [
        1, "port3", (1, 3, 6, 1, 4, 1, 1588, 2, 1, 1, 1), 4294967295, 2**64 - 1, "192.0.2.7",
        ber.NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW, -5,
    ]  # fmt: skip
    assert [o for o, _ in reply.varbinds] == [o for o, _ in values]


def test_error_status_and_index() -> None:
    reply = ber.decode_response(pysnmp_response([(IF_ADMIN_3, V2C.Integer(3))], status=17, index=1))
    assert (reply.error_status, reply.error_index) == (17, 1)


@pytest.mark.parametrize("cut", [1, 5, 12, -1])
def test_truncated_or_foreign_datagrams_are_refused(cut: int) -> None:
    wire = pysnmp_response([(IF_ADMIN_3, V2C.Integer(1))])
    with pytest.raises(ValueError):
        ber.decode_response(wire[:cut])
    request = ber.encode_request(ber.VERSION_2C, "public", ber.GET, 1, [(IF_ADMIN_3, None)])
    with pytest.raises(ValueError):
        ber.decode_response(request)  # a request is no response
