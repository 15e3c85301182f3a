"""Safety of SNMP GET: an answer about another object than the one asked for is never taken as its value.

A small SNMP v2c responder on 127.0.0.1 (a real UDP server) answers every GET with the value of a
different instance, as broken agents that treat GET like GETNEXT do.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from fence_agents.errors import DeviceError
from fence_agents.transports.snmp import CommunitySession, SnmpTarget

ASKED = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 3)
OTHER = (1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 5)


def _answer(sock: socket.socket, reply_oid: tuple[int, ...] | None, stop: threading.Event) -> None:
    from pyasn1.codec.ber import decoder, encoder
    from pysnmp.proto import api

    mod = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    while not stop.is_set():
        try:
            data, peer = sock.recvfrom(65535)
        except TimeoutError:
            continue
        except OSError:
            return
        request, _ = decoder.decode(data, asn1Spec=mod.Message())
        pdu = mod.apiMessage.get_pdu(request)
        response = mod.apiPDU.get_response(pdu)
        asked = [tuple(oid) for oid, _ in mod.apiPDU.get_varbinds(pdu)]
        varbinds = [] if reply_oid is None else [(reply_oid, mod.Integer(2))]
        mod.apiPDU.set_varbinds(response, varbinds if asked else [])
        mod.apiMessage.set_pdu(request, response)
        sock.sendto(encoder.encode(request), peer)


@pytest.fixture(params=["other-oid", "no-varbind"])
def liar(request: pytest.FixtureRequest) -> Iterator[int]:
    """A UDP port where a fake SNMP agent answers about another OID, or with no varbind (two params)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    stop = threading.Event()
    reply = OTHER if request.param == "other-oid" else None
    thread = threading.Thread(target=_answer, args=(sock, reply, stop), daemon=True)
    thread.start()
    try:
        yield sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()


def test_get_refuses_an_answer_for_another_object(liar: int) -> None:
    session = CommunitySession(SnmpTarget("127.0.0.1", liar, "2c", "public", timeout=2.0, retries=0))
    try:
        with pytest.raises(DeviceError, match="answered"):
            session.get(ASKED)
    finally:
        session.close()
