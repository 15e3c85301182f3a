"""Cluster membership: a pure protocol state machine, its wire format, a UDP adapter and a simulator."""

from .messages import Codec
from .protocol import MembershipNode, Send, Timing, ViewChange, timing_from_conf
from .udp import MembershipEndpoint

__all__ = [
    "Codec",
    "MembershipEndpoint",
    "MembershipNode",
    "Send",
    "Timing",
    "ViewChange",
    "timing_from_conf",
]
