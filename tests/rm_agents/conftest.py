"""Fixtures for the bundled resource agents: a namespace with a subnet, a scratch ext4 image."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cluster.rm_agents import agent_path
from harness.namespaces import MountNamespace, NetNamespace, veth_pair
from harness.pytest_plugin import in_ci, require_tool


def need_root() -> None:
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("resource agent tests need root (network and mount namespaces)")
        pytest.skip("needs root (network and mount namespaces)")


@dataclass
class Subnet:
    node: NetNamespace  # eth0 holds 192.0.2.1/24
    peer: NetNamespace  # peer0, the other end of the cable, holds 192.0.2.2/24


@pytest.fixture
def subnet() -> Iterator[Subnet]:
    """Two namespaces joined by a veth cable, as a node and its neighbour on 192.0.2.0/24."""
    need_root()
    with NetNamespace("ra") as node, NetNamespace("rapeer") as peer:
        veth_pair(node, "eth0", peer, "peer0")
        node.run(["ip", "addr", "add", "192.0.2.1/24", "dev", "eth0"], check=True)
        peer.run(["ip", "addr", "add", "192.0.2.2/24", "dev", "peer0"], check=True)
        yield Subnet(node, peer)


@pytest.fixture
def mount_ns() -> Iterator[MountNamespace]:
    """A private mount namespace: what the agents mount there never reaches the host."""
    need_root()
    with MountNamespace() as ns:
        yield ns


@pytest.fixture
def ext4_image(tmp_path: Path) -> Path:
    """A 32 MiB file holding a fresh ext4 file system (needs root and mkfs.ext4)."""
    need_root()
    require_tool("mkfs.ext4")
    image = tmp_path / "shared.img"
    with open(image, "wb") as fh:
        fh.truncate(32 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True, timeout=60)
    return image


def agent(name: str) -> str:
    return str(agent_path(name))
