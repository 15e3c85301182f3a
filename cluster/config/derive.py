"""Values cman derives from cluster.conf, computed exactly as cman does (quirks included).

Kept quirks (users can see them in ``cman_tool status``):
- the default cluster id is a 16-bit shift-and-add hash of the name, so different names collide easily;
- the default multicast address uses ``id % 255`` (not ``& 0xFF``) for the last octet.
"""

from __future__ import annotations

DEFAULT_PORT = 5405
MAX_CLUSTER_NAME = 16

DEFAULT_TOKEN_MS = 10000
DEFAULT_JOIN_MS = 60
DEFAULT_FAIL_RECV_CONST = 2500

BROADCAST_ADDRESS = "255.255.255.255"

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def legacy_cluster_id(name: str) -> int:
    """cman's default id: ``value = (value << 1) + byte`` over the name, low 16 bits."""
    value = 0
    for byte in name.encode():
        value = (value << 1) + byte
    return value & 0xFFFF


def hashed_cluster_id(name: str) -> int:
    """``<cman hash_cluster_id="yes">``: FNV-1a 32-bit over the name, folded to 16 bits."""
    h = _FNV_OFFSET
    for byte in name.encode():
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return (h >> 16) ^ (h & 0xFFFF)


def cluster_id(name: str, configured: int | None = None, hash_id: bool = False) -> int:
    """The id cman uses: a configured non-zero ``cluster_id`` wins, else one of the two name hashes."""
    if configured:
        return configured
    return hashed_cluster_id(name) if hash_id else legacy_cluster_id(name)


def default_multicast(cid: int, ipv6: bool = False) -> str:
    if ipv6:
        return f"ff15::{cid:x}"
    return f"239.192.{cid >> 8}.{cid % 255}"


def totem_key_from_name(name: str) -> bytes:
    """The key cman uses without a keyfile: the name bytes, zero-padded to ``(len + 4) & ~3`` bytes."""
    raw = name.encode()
    size = (len(raw) + 4) & ~3
    return raw + b"\0" * (size - len(raw))


def default_consensus(token_ms: int, node_count: int) -> int:
    """cman's consensus default: token+2000 with more than two nodes, else 20% of token in [200, 2000]."""
    if node_count > 2:
        return token_ms + 2000
    return int(min(max(token_ms * 0.2, 200), 2000))
