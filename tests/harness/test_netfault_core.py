"""The pure parts of the network faults: nfnetlink_queue encoding, the delay line, the rule sets."""

from __future__ import annotations

import struct

import pytest

from harness import nfqueue_wire as wire
from harness.delay_line import DelayLine
from harness.netfault import Delay, Loss, iptables_rules, nft_ruleset


def test_bind_is_a_config_message_to_the_queue_subsystem_asking_for_an_ack() -> None:
    data = wire.bind(7, seq=1)
    # nlmsghdr: len 28, type 3<<8|2, flags REQUEST|ACK, seq 1, portid 0; nfgenmsg AF_UNSPEC v0 queue 7 (BE);
    # attribute len 8 type NFQA_CFG_CMD: command BIND, pad, pf AF_INET (BE)
    assert data == (
        struct.pack("=IHHII", 28, 0x0302, 0x5, 1, 0) + bytes([0, 0, 0, 7]) + struct.pack("=HH", 8, 1)
        + bytes([1, 0, 0, 2])
    )  # fmt: skip


def test_params_pads_the_packed_five_byte_struct_and_sets_fail_open() -> None:
    (msg,) = wire.messages(wire.params(300, seq=9, maxlen=8192, fail_open=True))
    assert (msg.subsystem, msg.kind, msg.seq) == (3, wire.NFQNL_MSG_CONFIG, 9)
    assert msg.payload[:4] == bytes([0, 0, 0x01, 0x2C])  # queue 300, big-endian
    found = wire.attrs(msg.payload[4:])
    assert found[wire.NFQA_CFG_PARAMS] == b"\0\0\0\0\x01"  # copy_range 0, NFQNL_COPY_META
    assert found[wire.NFQA_CFG_QUEUE_MAXLEN] == struct.pack("!I", 8192)
    assert found[wire.NFQA_CFG_FLAGS] == found[wire.NFQA_CFG_MASK] == struct.pack("!I", 1)
    assert len(wire.params(300, seq=9)) == 16 + 4 + 12  # 4 + 5 bytes of attribute, padded to 12


def test_a_batch_verdict_accepts_up_to_an_id() -> None:
    (msg,) = wire.messages(wire.verdict(5, 0x01020304, seq=2, batch=True))
    assert msg.kind == wire.NFQNL_MSG_VERDICT_BATCH and msg.flags == wire.NLM_F_REQUEST
    assert wire.attrs(msg.payload[4:])[wire.NFQA_VERDICT_HDR] == struct.pack("!II", 1, 0x01020304)
    (drop,) = wire.messages(wire.verdict(5, 1, seq=3, accept=False))
    assert drop.kind == wire.NFQNL_MSG_VERDICT
    assert wire.attrs(drop.payload[4:])[wire.NFQA_VERDICT_HDR] == struct.pack("!II", 0, 1)


def _kernel_packet(queue: int, packet_id: int, seq: int) -> bytes:
    """A packet message as the kernel writes it: packet header, then other attributes (a nested one too)."""
    hdr = wire.attr(wire.NFQA_PACKET_HDR, struct.pack("!IHB", packet_id, 0x0800, 1))
    extra = wire.attr(5, struct.pack("=I", 2)) + wire.attr(11 | 0x8000, wire.attr(1, b"\x01\x02\x03\x04"))
    return wire.message(wire.NFQNL_MSG_PACKET, queue, hdr + extra, seq, flags=0, family=2)


def test_packets_are_decoded_from_a_datagram_of_several_messages() -> None:
    ack = struct.pack("=IHHII", 36, wire.NLMSG_ERROR, 0x100, 4, 0) + struct.pack("=i", 0) + bytes(16)
    data = _kernel_packet(100, 41, 0) + ack + _kernel_packet(100, 42, 0)
    msgs = wire.messages(data)
    assert [m.type for m in msgs] == [0x0300, wire.NLMSG_ERROR, 0x0300]
    assert wire.packet(msgs[0]) == wire.Packet(100, 41, 0x0800, 1)
    assert wire.packet(msgs[2]).packet_id == 42
    assert wire.error_code(msgs[1]) == 0
    refused = struct.pack("=IHHII", 36, wire.NLMSG_ERROR, 0, 4, 0) + struct.pack("=i", -1) + bytes(16)
    assert wire.error_code(wire.messages(refused)[0]) == 1  # EPERM


@pytest.mark.parametrize(
    "data",
    [b"\x01\x02", struct.pack("=IHHII", 100, 0x300, 0, 0, 0), struct.pack("=IHHII", 8, 0x300, 0, 0, 0)],
    ids=["stray bytes", "longer than the datagram", "shorter than its header"],
)
def test_truncated_datagrams_are_refused(data: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.messages(data)


def test_a_packet_message_without_its_header_is_refused() -> None:
    bare = wire.messages(wire.message(wire.NFQNL_MSG_PACKET, 1, wire.attr(5, bytes(4)), 0))[0]
    with pytest.raises(wire.WireError, match="without its packet header"):
        wire.packet(bare)
    with pytest.raises(wire.WireError, match="not a queued packet"):
        wire.packet(wire.messages(wire.bind(1, 1))[0])


def test_the_delay_line_holds_each_packet_and_releases_in_order() -> None:
    line = DelayLine(0.1)
    assert line.arrive(1, 0.0) == pytest.approx(0.1) and line.arrive(2, 0.05) == pytest.approx(0.15)
    assert line.due(0.09) is None and line.next_release() == pytest.approx(0.1)
    assert line.due(0.2) == 2 and len(line) == 0 and line.next_release() is None


def test_jitter_never_lets_a_packet_overtake_its_predecessor() -> None:
    line = DelayLine(0.05, 0.04, seed=3)
    releases = [line.arrive(n, n * 0.001) for n in range(200)]
    assert releases == sorted(releases)
    assert all(r >= n * 0.001 + 0.01 - 1e-9 for n, r in enumerate(releases))
    assert max(r - n * 0.001 for n, r in enumerate(releases)) <= 0.09 + 1e-9
    assert line.drain() == 199 and line.due(10.0) is None
    assert DelayLine(0.05, 0.04, seed=3).arrive(0, 0.0) == releases[0]  # a seed, the same jitter
    with pytest.raises(ValueError):
        DelayLine(-1.0)


def test_nft_ruleset_replaces_the_table_with_losses_each_way() -> None:
    text = nft_ruleset([Loss(("192.0.2.1", "192.0.2.3"), 20.5, outbound=False), Loss(("192.0.2.2",), 100)])
    assert text.startswith("table inet fencelab_netfault\ndelete table inet fencelab_netfault\n")
    assert "ip saddr { 192.0.2.1, 192.0.2.3 } numgen random mod 10000 < 2050 drop" in text
    assert "ip daddr { 192.0.2.1, 192.0.2.3 }" not in text  # one way
    assert "ip saddr { 192.0.2.2 } drop" in text and "ip daddr { 192.0.2.2 } drop" in text
    assert "type filter hook input priority 0" in text and "type filter hook output priority 0" in text
    assert nft_ruleset([]).count("table") == 2  # no losses: the table goes


def test_iptables_rules_queue_each_peer_each_way() -> None:
    text = iptables_rules([Delay(("192.0.2.1",), 50, queue=100), Delay(("192.0.2.3",), 9, outbound=False,
                                                                       queue=101)])  # fmt: skip
    assert "-A INPUT -s 192.0.2.1/32 -j NFQUEUE --queue-num 100 --queue-bypass" in text
    assert "-A OUTPUT -d 192.0.2.1/32 -j NFQUEUE --queue-num 100 --queue-bypass" in text
    assert "-A INPUT -s 192.0.2.3/32 -j NFQUEUE --queue-num 101" in text and "-d 192.0.2.3" not in text
    assert text.startswith("*filter\n") and text.endswith("COMMIT\n")
    assert "-A" not in iptables_rules([])
