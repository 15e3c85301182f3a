"""The lean RMCP+ client's pure core in simulated time: a BMC scripted here from the spec's formulas
(hmac directly, not the client's helpers), fixed random bytes, no sockets."""

from __future__ import annotations

import hashlib
import hmac
import itertools

import pytest

from fence_agents.ipmi import wire
from fence_agents.ipmi.session import ClientSession, LoginRefused, NoAnswer, ReplayWindow

USER, PASSWORD = b"admin", b"secret"
GUID = bytes(range(16))
RC = b"\xcc" * 16
MANAGED = 0x0A0B0C0D


def counter_random() -> object:
    counter = itertools.count(1)
    return lambda n: bytes([next(counter) & 0xFF]) * n


def new_session(suites: tuple[int, ...] = (17, 3), kg: bytes | None = None) -> ClientSession:
    return ClientSession("admin", "secret", 4, kg=kg, suites=suites, random=counter_random())  # type: ignore[arg-type]


def rmcpplus(kind: int, payload: bytes) -> bytes:
    return b"\x06\x00\xff\x07\x06" + bytes([kind]) + bytes(8) + len(payload).to_bytes(2, "little") + payload


def caps_answer(request: bytes, ipmi2: bool = True) -> bytes:
    seq = request[18] >> 2
    data = bytes([0, 1, 0x80 if ipmi2 else 0x14, 0x04, 0x02 if ipmi2 else 0, 0, 0, 0, 0])
    head = bytes([0x81, 0x07 << 2 | 0])
    body = bytes([0x20, seq << 2, 0x38]) + data
    message = head + bytes([-sum(head) & 0xFF]) + body + bytes([-sum(body) & 0xFF])
    return b"\x06\x00\xff\x07\x00" + bytes(8) + bytes([len(message)]) + message


def algorithms(open_request: bytes) -> tuple[int, int, int]:
    payload = open_request[16:]
    return payload[12], payload[20], payload[28]


def open_answer(request: bytes, status: int = 0, short: bool = False) -> bytes:
    payload = request[16:]
    tag, console = payload[0], payload[4:8]
    if status:
        return rmcpplus(0x11, bytes([tag, status]) if short else bytes([tag, status, 0, 0]) + console)
    records = payload[8:32]
    return rmcpplus(0x11, bytes([tag, 0, 4, 0]) + console + MANAGED.to_bytes(4, "little") + records)


class SpecBmc:
    """The BMC's half of RAKP, straight from the spec's formulas."""

    def __init__(self, hash_name: str, password: bytes = PASSWORD, kg: bytes | None = None) -> None:
        self.hash, self.kuid, self.kg = hash_name, password, kg or password

    def mac(self, key: bytes, data: bytes) -> bytes:
        return hmac.new(key, data, getattr(hashlib, self.hash)).digest()

    def rakp2(self, rakp1_packet: bytes, console: bytes) -> bytes:
        p = rakp1_packet[16:]
        self.rm, self.role, name = p[8:24], p[24], p[28 : 28 + p[27]]
        self.who = bytes([self.role, len(name)]) + name
        managed = MANAGED.to_bytes(4, "little")
        code = self.mac(self.kuid, console + managed + self.rm + RC + GUID + self.who)
        return rmcpplus(0x13, bytes([p[0], 0, 0, 0]) + console + RC + GUID + code)

    def rakp4(self, rakp3_packet: bytes, console: bytes, icv: int) -> bytes:
        p = rakp3_packet[16:]
        assert p[8:] == self.mac(self.kuid, RC + console + self.who)  # the client's RAKP3 code
        self.sik = self.mac(self.kg, self.rm + RC + self.who)
        value = self.mac(self.sik, self.rm + MANAGED.to_bytes(4, "little") + GUID)[:icv]
        return rmcpplus(0x15, bytes([p[0], 0, 0, 0]) + console + value)

    def keys(self, icv: int) -> wire.Keys:
        k1, k2 = self.mac(self.sik, b"\x01" * 20), self.mac(self.sik, b"\x02" * 20)
        return wire.Keys(k1, k2[:16], self.hash, icv)


def answer_request(keys: wire.Keys, packet: bytes, console: int, seq: int, code: int, data: bytes) -> bytes:
    _, _, message = wire.unseal(keys, packet)
    netfn, rqseq, command = message[1] >> 2, message[4] >> 2, message[5]
    head = bytes([0x81, (netfn + 1) << 2])
    body = bytes([0x20, rqseq << 2, command, code]) + data
    reply = head + bytes([-sum(head) & 0xFF]) + body + bytes([-sum(body) & 0xFF])
    return wire.seal(keys, console, seq, reply, b"\x5a" * 16)


def log_in(s: ClientSession, suite: int = 17, kg: bytes | None = None) -> tuple[SpecBmc, wire.Keys]:
    hash_name, icv = ("sha256", 16) if suite == 17 else ("sha1", 12)
    bmc = SpecBmc(hash_name, kg=kg)
    out = s.login(0.0, 5.0)
    out = s.receive(caps_answer(out), 0.001)
    assert out is not None
    while algorithms(out) != ((3, 4, 1) if suite == 17 else (1, 1, 1)):
        out = s.receive(open_answer(out, status=0x11), 0.002)
        assert out is not None
    console = out[16 + 4 : 16 + 8]
    rakp1 = s.receive(open_answer(out), 0.003)
    assert rakp1 is not None and rakp1[5] == 0x12
    rakp3 = s.receive(bmc.rakp2(rakp1, console), 0.004)
    assert rakp3 is not None and rakp3[5] == 0x14
    privilege = s.receive(bmc.rakp4(rakp3, console, icv), 0.005)
    assert privilege is not None
    keys = bmc.keys(icv)
    assert s.receive(answer_request(keys, privilege, s.console_id, 1, 0, b"\x04"), 0.006) is None
    assert s.ready
    return bmc, keys


@pytest.mark.parametrize("suite", [17, 3])
def test_full_login_and_a_request(suite: int) -> None:
    s = new_session()
    _, keys = log_in(s, suite)
    packet = s.request(0x00, 0x01, b"", 1.0, 3.0, "chassis status")
    assert s.receive(answer_request(keys, packet, s.console_id, 2, 0, b"\x21\x10\x40"), 1.001) is None
    assert s.response is not None and (s.response.code, s.response.data) == (0, b"\x21\x10\x40")
    assert s.ready


def test_kg_enters_the_session_key() -> None:
    s = new_session(kg=b"bmc-key")
    log_in(s, 17, kg=b"bmc-key")
    assert s.ready
    wrong = new_session(kg=b"other")
    with pytest.raises(LoginRefused, match="RAKP4"):
        log_in(wrong, 17, kg=b"bmc-key")


def test_wrong_password_is_found_in_rakp2() -> None:
    s = new_session()
    out = s.receive(caps_answer(s.login(0.0, 5.0)), 0.0)
    assert out is not None
    rakp1 = s.receive(open_answer(out), 0.0)
    assert rakp1 is not None
    with pytest.raises(LoginRefused, match="Incorrect password"):
        s.receive(SpecBmc("sha256", password=b"not-it").rakp2(rakp1, out[20:24]), 0.0)


def test_refusals_fall_back_then_give_up() -> None:
    s = new_session()
    out = s.receive(caps_answer(s.login(0.0, 5.0)), 0.0)
    assert out is not None and algorithms(out) == (3, 4, 1)
    out = s.receive(open_answer(out, status=0x04, short=True), 0.0)  # ipmi_sim's 2-byte refusal
    assert out is not None and algorithms(out) == (1, 1, 1)
    with pytest.raises(LoginRefused, match="refused suite 17, 3"):
        s.receive(open_answer(out, status=0x11), 0.0)


def test_a_bmc_without_ipmi_2_is_refused() -> None:
    s = new_session()
    with pytest.raises(LoginRefused, match="IPMI 2.0"):
        s.receive(caps_answer(s.login(0.0, 5.0), ipmi2=False), 0.0)


def test_stale_and_foreign_answers_are_ignored() -> None:
    s = new_session()
    out = s.receive(caps_answer(s.login(0.0, 5.0)), 0.0)
    assert out is not None
    stale = bytearray(open_answer(out))
    stale[16] ^= 0xFF  # another tag: an answer to an earlier copy
    assert s.receive(bytes(stale), 0.0) is None
    assert s.receive(b"\x06\x00\xff\x07garbage", 0.0) is None
    assert s.phase == "open"


def test_retransmits_with_new_tags_until_the_deadline() -> None:
    s = new_session()
    first = s.login(0.0, 2.0)
    assert s.tick(0.29) is None
    again = s.tick(0.3)
    assert again is not None and again[:14] == first[:14]
    out = s.receive(caps_answer(again), 0.35)
    assert out is not None
    assert s.tick(0.64) is None
    copy = s.tick(0.65)
    assert copy is not None and copy[16] == out[16] + 1  # a new tag
    assert s.wake_at == pytest.approx(1.25)
    with pytest.raises(NoAnswer) as caught:
        for now in (1.25, 2.0):
            s.tick(now)
    assert "open session (cipher suite 17)" in str(caught.value)


def test_request_retransmit_keeps_its_ipmi_sequence_and_takes_a_new_session_sequence() -> None:
    s = new_session()
    _, keys = log_in(s)
    first = s.request(0x00, 0x02, b"\x00", 1.0, 3.0, "power off")
    again = s.tick(1.3)
    assert again is not None
    (_, seq1, m1), (_, seq2, m2) = wire.unseal(keys, first), wire.unseal(keys, again)
    assert (seq2, m2) == (seq1 + 1, m1)
    with pytest.raises(NoAnswer, match="power off within 3 s"):
        s.tick(4.0)


def test_replayed_answer_is_dropped() -> None:
    s = new_session()
    _, keys = log_in(s)  # the BMC's session sequence 1 is used
    packet = s.request(0x00, 0x01, b"", 1.0, 3.0, "chassis status")
    replay = answer_request(keys, packet, s.console_id, 1, 0, b"\x00\x00\x00")
    assert s.receive(replay, 1.0) is None and s.response is None  # sequence 1 seen before
    assert s.receive(answer_request(keys, packet, s.console_id, 2, 0, b"\x01\x00\x00"), 1.0) is None
    assert s.response is not None and s.response.data == b"\x01\x00\x00"


def test_replay_window() -> None:
    w = ReplayWindow()
    assert not w.accept(0)
    assert w.accept(100) and not w.accept(100)
    assert w.accept(98) and not w.accept(98)
    assert w.accept(69) and not w.accept(68)  # 31 behind: in; 32 behind: out
    assert not w.accept(133) and w.accept(132)  # at most 32 ahead


def test_seal_round_trip_and_tampering() -> None:
    keys = wire.Keys(b"k" * 32, b"a" * 16, "sha256", 16)
    for size in (0, 1, 14, 15, 16, 40):
        payload = bytes(range(size))
        packet = wire.seal(keys, 7, 9, payload, b"\x01" * 16)
        assert (len(packet) - 4 - 16) % 4 == 0  # the integrity pad
        assert wire.unseal(keys, packet) == (7, 9, payload)
        bad = bytearray(packet)
        bad[20] ^= 1
        with pytest.raises(wire.WireError):
            wire.unseal(keys, bytes(bad))
    with pytest.raises(wire.WireError):
        wire.unseal(wire.Keys(b"x" * 32, b"a" * 16, "sha256", 16), packet)
