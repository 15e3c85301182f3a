"""Network faults between two lab machines, measured with UDP between their namespaces (root)."""

from __future__ import annotations

import json
import os
import select
import statistics
import subprocess
import sys
from collections.abc import Iterator

import pytest

from harness.machines import Network, node_address
from harness.netfault import NetFaultError, NetFaults, netfaults_supported
from harness.pytest_plugin import in_ci

N1, N2 = node_address(1), node_address(2)


@pytest.fixture(autouse=True)
def root_only() -> None:
    """Network faults need root and nft/iptables: fail under CI, skip elsewhere."""
    why = "machine labs need root" if os.geteuid() != 0 else netfaults_supported()
    if why:
        if in_ci():
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture
def net() -> Iterator[Network]:
    """Two machines, node1 and node2, on a lab network."""
    with Network({1: "node1", 2: "node2"}) as network:
        yield network


def _udp(net: Network, node: int, *args: str) -> list[str]:
    return net.nodes[node].exec_argv([sys.executable, "-m", "harness.udp_ping", *args])


_buffers: dict[int, bytes] = {}


def _line(proc: subprocess.Popen[str], timeout: float = 10.0) -> str:
    """The next line of a process's output, read unbuffered (select sees only what the pipe still holds)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    while b"\n" not in _buffers.get(fd, b""):
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"no output within {timeout} s"
        chunk = os.read(fd, 4096)
        assert chunk, "the process ended"
        _buffers[fd] = _buffers.get(fd, b"") + chunk
    line, _buffers[fd] = _buffers[fd].split(b"\n", 1)
    return line.decode().strip()


def _server(net: Network, node: int, kind: str) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(_udp(net, node, kind, "--bind", node_address(node)), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    word, port = _line(proc).split()
    assert word == "ready"
    return proc, int(port)


@pytest.fixture
def echo(net: Network) -> Iterator[int]:
    """A UDP echo server on node2; its port."""
    proc, port = _server(net, 2, "echo")
    yield port
    proc.kill()
    proc.wait(timeout=5)


def rtts(net: Network, port: int, count: int, interval: float = 0.002) -> list[float | None]:
    argv = _udp(net, 1, "ping", N2, str(port), "--count", str(count), "--interval", str(interval),
                "--timeout", "1.0")  # fmt: skip
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return list(json.loads(out.stdout)["rtts"])


def lost(samples: list[float | None]) -> float:
    return sum(x is None for x in samples) / len(samples)


def test_loss_drops_the_share_asked_for_one_way_or_both_and_clears(net: Network, echo: int) -> None:
    with NetFaults() as faults:
        faults.loss(net.nodes[2].name, [N1], 30, outbound=False)  # only what node2 receives from node1
        one_way = lost(rtts(net, echo, 600))
        faults.clear()
        faults.loss(net.nodes[2].name, [N1], 30)  # and what it sends back: a round trip survives 0.7^2
        both = lost(rtts(net, echo, 600))
        faults.clear()
        assert lost(rtts(net, echo, 100)) == 0.0
    # binomial, n=600: 4 standard deviations are 0.075 at p=0.3 and 0.082 at p=0.51
    assert abs(one_way - 0.30) < 0.075, one_way
    assert abs(both - 0.51) < 0.082, both


def test_delay_holds_packets_each_way_and_the_delayer_is_no_node_process(net: Network, echo: int) -> None:
    with NetFaults() as faults:
        faults.delay(net.nodes[2].name, [N1], 40)  # each way: a round trip of 80 ms
        node2_pids = set(net.node_pids(2))
        steady = [x for x in rtts(net, echo, 40, interval=0.01) if x is not None]
        faults.clear()
        faults.delay(net.nodes[2].name, [N1], 40, jitter_ms=20, outbound=False, seed=1)
        jittered = [x for x in rtts(net, echo, 60, interval=0.02) if x is not None]
        assert not set(net.node_pids(2)) - node2_pids  # the delayer lives outside the machine
        faults.clear()
        after = [x for x in rtts(net, echo, 20) if x is not None]
    assert len(steady) == 40 and len(jittered) == 60 and len(after) == 20
    assert min(steady) >= 79.5 and statistics.median(steady) < 90, steady
    assert min(jittered) >= 19.5 and max(jittered) < 75 and statistics.pstdev(jittered) > 4, jittered
    assert statistics.median(after) < 10, after


def test_a_one_way_drop_blocks_one_direction_only(net: Network) -> None:
    sink1, port1 = _server(net, 1, "sink")
    sink2, port2 = _server(net, 2, "sink")
    try:
        with NetFaults() as faults:
            faults.loss(net.nodes[2].name, [N1], 100, outbound=False)  # node1 -/-> node2
            send = [(1, N2, port2), (2, N1, port1)]  # the blocked direction first, then the open one
            for node, host, port in send:
                out = subprocess.run(_udp(net, node, "send", host, str(port), "--count", "20"), timeout=30)
                assert out.returncode == 0
            got1 = [_line(sink1) for _ in range(20)]  # node2 -> node1 arrived, every probe...
            assert sorted(got1) == sorted(f"got {n}" for n in range(20))
            assert sink2.stdin is not None
            sink2.stdin.close()  # ...and node1's probes, sent before them, never reached node2
            assert _line(sink2) == "total 0"
            losses, delays = faults.faults(net.nodes[2].name)
            assert [x.percent for x in losses] == [100.0] and not delays
        rules = subprocess.run(net.nodes[2].exec_argv(["nft", "list", "ruleset"]), capture_output=True,
                               text=True, timeout=10)  # fmt: skip
        assert "fencelab_netfault" not in rules.stdout  # closing the faults removed the table
    finally:
        for proc in (sink1, sink2):
            proc.kill()
            proc.wait(timeout=5)


def test_bad_faults_are_refused_in_one_line(net: Network) -> None:
    with NetFaults() as faults:
        for call in (
            lambda: faults.loss(net.nodes[2].name, [N1], 0),
            lambda: faults.loss(net.nodes[2].name, [], 10),
            lambda: faults.delay(net.nodes[2].name, [N1], 10, jitter_ms=20),
            lambda: faults.delay("fl-no-such-namespace", [N1], 10),
        ):
            with pytest.raises(NetFaultError) as err:
                call()
            assert "\n" not in str(err.value)
