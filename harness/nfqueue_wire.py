"""nfnetlink_queue on the wire: the netlink messages a packet delayer sends and receives (pure, no sockets).

The kernel (net/netfilter/nfnetlink_queue.c, include/uapi/linux/netfilter/nfnetlink_queue.h) hands each
packet an NFQUEUE rule queues to the program bound to that queue number as an NFQNL_MSG_PACKET message and
holds the packet until a verdict names its id. The layout:

    nlmsghdr   u32 len, u16 type, u16 flags, u32 seq, u32 portid     (host byte order)
    nfgenmsg   u8 family, u8 version (0), be16 res_id (the queue number)
    nlattr...  u16 len, u16 type (host order), payload padded to 4 bytes

with type = NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_*. The structs inside the attributes are big-endian:
config_cmd {u8 command, u8 pad, be16 pf}, config_params {be32 copy_range, u8 copy_mode} (packed, 5 bytes),
packet_hdr {be32 packet_id, be16 hw_protocol, u8 hook} (packed, 7 bytes), verdict_hdr {be32 verdict, be32 id}.
A VERDICT_BATCH message's verdict applies to every queued packet whose id is at most the id it names.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLA_TYPE_MASK = 0x3FFF  # without NLA_F_NESTED / NLA_F_NET_BYTEORDER

NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQA_CFG_MASK, NFQA_CFG_FLAGS = 4, 5
NFQA_CFG_F_FAIL_OPEN = 0x1  # a full queue accepts packets instead of dropping them
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND = 1, 2
NFQNL_COPY_NONE, NFQNL_COPY_META, NFQNL_COPY_PACKET = 0, 1, 2
NFQA_PACKET_HDR, NFQA_VERDICT_HDR = 1, 2
NF_DROP, NF_ACCEPT = 0, 1

_NLMSGHDR = struct.Struct("=IHHII")
_NFGENMSG = struct.Struct("!BBH")
_NLATTR = struct.Struct("=HH")


class WireError(ValueError):
    """Bytes that are not the netlink messages they claim to be."""


@dataclass(frozen=True)
class Message:
    type: int
    flags: int
    seq: int
    portid: int
    payload: bytes

    @property
    def subsystem(self) -> int:
        return self.type >> 8

    @property
    def kind(self) -> int:
        return self.type & 0xFF


@dataclass(frozen=True)
class Packet:
    """What copy-meta mode tells about one queued packet: enough to give it a verdict."""

    queue: int
    packet_id: int
    hw_protocol: int
    hook: int


def _pad(n: int) -> int:
    return (n + 3) & ~3


def attr(kind: int, data: bytes) -> bytes:
    length = _NLATTR.size + len(data)
    return _NLATTR.pack(length, kind) + data + b"\0" * (_pad(length) - length)


def message(
    kind: int, queue: int, payload: bytes, seq: int, flags: int = NLM_F_REQUEST, family: int = 0
) -> bytes:
    """One nfnetlink message to the queue subsystem: nlmsghdr + nfgenmsg + attributes (payload)."""
    body = _NFGENMSG.pack(family, 0, queue) + payload
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(body), NFNL_SUBSYS_QUEUE << 8 | kind, flags, seq, 0) + body


def bind(queue: int, seq: int, pf: int = 2) -> bytes:
    """Bind this socket to a queue number (pf is ignored by kernels since 3.8; AF_INET for older ones)."""
    cmd = struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, pf)
    return message(NFQNL_MSG_CONFIG, queue, attr(NFQA_CFG_CMD, cmd), seq, NLM_F_REQUEST | NLM_F_ACK)


def unbind(queue: int, seq: int) -> bytes:
    cmd = struct.pack("!BBH", NFQNL_CFG_CMD_UNBIND, 0, 0)
    return message(NFQNL_MSG_CONFIG, queue, attr(NFQA_CFG_CMD, cmd), seq, NLM_F_REQUEST | NLM_F_ACK)


def params(queue: int, seq: int, copy_mode: int = NFQNL_COPY_META, copy_range: int = 0,
           maxlen: int | None = None, fail_open: bool = False) -> bytes:  # fmt: skip
    """How much of each packet to copy to us (META: none of its bytes), the queue's length, its flags."""
    body = attr(NFQA_CFG_PARAMS, struct.pack("!IB", copy_range, copy_mode))
    if maxlen is not None:
        body += attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", maxlen))
    if fail_open:
        flag = struct.pack("!I", NFQA_CFG_F_FAIL_OPEN)
        body += attr(NFQA_CFG_FLAGS, flag) + attr(NFQA_CFG_MASK, flag)
    return message(NFQNL_MSG_CONFIG, queue, body, seq, NLM_F_REQUEST | NLM_F_ACK)


def verdict(queue: int, packet_id: int, seq: int, accept: bool = True, batch: bool = False) -> bytes:
    """A verdict for one packet, or (batch) for every queued packet with an id up to packet_id."""
    hdr = attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT if accept else NF_DROP, packet_id))
    return message(NFQNL_MSG_VERDICT_BATCH if batch else NFQNL_MSG_VERDICT, queue, hdr, seq)


def messages(data: bytes) -> list[Message]:
    """Every netlink message in one datagram."""
    out, offset = [], 0
    while offset < len(data):
        if len(data) - offset < _NLMSGHDR.size:
            raise WireError(f"{len(data) - offset} stray bytes after the last netlink message")
        length, kind, flags, seq, portid = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or offset + length > len(data):
            left = len(data) - offset
            raise WireError(f"netlink message length {length} does not fit the {left} bytes left")
        out.append(Message(kind, flags, seq, portid, data[offset + _NLMSGHDR.size : offset + length]))
        offset += _pad(length)
    return out


def attrs(data: bytes) -> dict[int, bytes]:
    """Attribute type (flags masked off) -> payload, of a run of netlink attributes."""
    out, offset = {}, 0
    while offset + _NLATTR.size <= len(data):
        length, kind = _NLATTR.unpack_from(data, offset)
        if length < _NLATTR.size or offset + length > len(data):
            raise WireError(f"attribute length {length} does not fit the {len(data) - offset} bytes left")
        out[kind & NLA_TYPE_MASK] = data[offset + _NLATTR.size : offset + length]
        offset += _pad(length)
    return out


def error_code(msg: Message) -> int:
    """An NLMSG_ERROR's errno as a positive number (0: the acknowledgement of a request)."""
    if msg.type != NLMSG_ERROR or len(msg.payload) < 4:
        raise WireError(f"not a netlink error message (type {msg.type}, {len(msg.payload)} bytes)")
    (code,) = struct.unpack_from("=i", msg.payload)
    return -code


def packet(msg: Message) -> Packet:
    """The queued packet an NFQNL_MSG_PACKET message announces."""
    if msg.subsystem != NFNL_SUBSYS_QUEUE or msg.kind != NFQNL_MSG_PACKET:
        raise WireError(f"not a queued packet (message type {msg.type:#x})")
    if len(msg.payload) < _NFGENMSG.size:
        raise WireError("a queued packet message without its nfgenmsg header")
    _family, _version, queue = _NFGENMSG.unpack_from(msg.payload)
    hdr = attrs(msg.payload[_NFGENMSG.size :]).get(NFQA_PACKET_HDR)
    if hdr is None or len(hdr) < 7:
        raise WireError("a queued packet message without its packet header")
    packet_id, hw_protocol, hook = struct.unpack_from("!IHB", hdr)
    return Packet(queue, packet_id, hw_protocol, hook)
