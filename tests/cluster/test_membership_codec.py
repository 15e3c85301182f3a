"""Wire format: authenticated frames; other clusters, wrong keys and garbage are dropped unread."""

from __future__ import annotations

import pytest

from cluster.config.derive import totem_key_from_name
from cluster.membership.messages import Ack, Codec, Commit, Heartbeat, Leave, Nack, Propose

KEY = totem_key_from_name("iscsicluster")
MESSAGES = [
    Heartbeat(1, 1000, 4, 2**62 + 5),
    Heartbeat(1, 1000, 4, 7, True, ((2, 2000), (3, 3000))),
    Propose(1, 1000, 5, ((1, 1000), (3, 3000)), ((2, 2000, True),)),
    Ack(3, 3000, 5),
    Nack(3, 3000, 5, 9),
    Commit(1, 1000, 5, ((1, 1000), (3, 3000)), ((2, 2000, False),)),
    Leave(2, 2000, True),
]


@pytest.mark.parametrize("msg", MESSAGES)
def test_round_trip(msg: object) -> None:
    codec = Codec(KEY, 46516)
    assert codec.decode(codec.encode(msg)) == msg  # type: ignore[arg-type]


def test_wrong_key_other_cluster_and_tampering_are_dropped() -> None:
    frame = Codec(KEY, 46516).encode(MESSAGES[0])
    assert Codec(totem_key_from_name("other"), 46516).decode(frame) is None
    assert Codec(KEY, 46517).decode(frame) is None
    tampered = frame.replace(b'"gen":4', b'"gen":9')
    assert tampered != frame and Codec(KEY, 46516).decode(tampered) is None


@pytest.mark.parametrize(
    "frame", [b"", b"FLM1", b"garbage" * 10, b"FLM1\xb5\xb4" + b"\0" * 32 + b"{}", b"x" * 70000]
)
def test_garbage_is_dropped(frame: bytes) -> None:
    assert Codec(KEY, 46516).decode(frame) is None


def test_authentic_but_malformed_body_is_dropped() -> None:
    import hashlib
    import hmac

    prefix = b"FLM1" + (46516).to_bytes(2, "big")
    for body in (
        b'{"t":"hb","sender":-1,"inc":1,"gen":1,"members":[]}',
        b'{"t":"nope"}',
        b"[1,2]",
        b"{bad json",
    ):
        frame = prefix + hmac.new(KEY, prefix + body, hashlib.sha256).digest() + body
        assert Codec(KEY, 46516).decode(frame) is None
