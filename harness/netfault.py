"""Network faults between lab machines, made in the kernel of a node's network namespace: any cluster stack
running on the lab network (the bundled one, Corosync + Pacemaker) sees them the same way.

- loss: nftables rules ``ip saddr {peers} numgen random mod 10000 < P*100 drop`` on input (what the node
  receives from its peers) and/or the same on ``daddr`` for output (what it sends them); P = 100 drops all,
  which makes a one-way partition when installed on the receiving side only;
- delay (and jitter): iptables NFQUEUE rules (this kernel has no sch_netem and no nft ``queue``; the xtables
  NFQUEUE target works) queue the packets to and/or from the peers to a delayer (harness.nfqueue) that
  accepts each one D ms later. ``--queue-bypass``: should the delayer die, packets flow undelayed rather
  than vanish.

``NetFaults`` takes namespace names and peer addresses only, so any lab backend can use it. Every change
re-renders the namespace's whole fault set (pure functions below) and installs it in one transaction;
``clear`` and ``close`` remove the rules and stop the delayers (held packets are accepted, not dropped).
"""

from __future__ import annotations

import contextlib
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.namespaces import die_with_parent

TABLE = "fencelab_netfault"
FIRST_QUEUE = 100
READY_TIMEOUT = 5.0


class NetFaultError(RuntimeError):
    """A fault that could not be installed or removed; one line."""


@dataclass(frozen=True)
class Loss:
    peers: tuple[str, ...]
    percent: float
    inbound: bool = True  # packets from the peers to this node
    outbound: bool = True  # packets from this node to the peers


@dataclass(frozen=True)
class Delay:
    peers: tuple[str, ...]
    ms: float
    jitter_ms: float = 0.0
    inbound: bool = True
    outbound: bool = True
    queue: int = FIRST_QUEUE


def _check(peers: Sequence[str], inbound: bool, outbound: bool) -> None:
    if not peers:
        raise NetFaultError("a network fault needs at least one peer address")
    if not (inbound or outbound):
        raise NetFaultError("a network fault goes at least one way")


def _set(peers: Sequence[str]) -> str:
    return "{ " + ", ".join(peers) + " }"


def nft_ruleset(losses: Sequence[Loss]) -> str:
    """The nft script that replaces this module's table with exactly these losses (none: removes it)."""
    script = [f"table inet {TABLE}", f"delete table inet {TABLE}"]  # 'table' first: delete never fails
    if not losses:
        return "\n".join(script) + "\n"
    rules: dict[str, list[str]] = {"input": [], "output": []}
    for loss in losses:
        if loss.percent >= 100:
            verdict = "drop"
        else:
            verdict = f"numgen random mod 10000 < {round(loss.percent * 100)} drop"
        if loss.inbound:
            rules["input"].append(f"ip saddr {_set(loss.peers)} {verdict}")
        if loss.outbound:
            rules["output"].append(f"ip daddr {_set(loss.peers)} {verdict}")
    script.append(f"table inet {TABLE} {{")
    for hook, lines in rules.items():
        script.append(f"  chain {hook} {{ type filter hook {hook} priority 0; policy accept;")
        script += [f"    {line}" for line in lines]
        script.append("  }")
    script.append("}")
    return "\n".join(script) + "\n"


def iptables_rules(delays: Sequence[Delay]) -> str:
    """iptables-restore input for the filter table: the NFQUEUE rules of these delays (and nothing else:
    no program in a lab machine has rules of its own)."""
    lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    for d in delays:
        target = f"-j NFQUEUE --queue-num {d.queue} --queue-bypass"
        for peer in d.peers:
            if d.inbound:
                lines.append(f"-A INPUT -s {peer}/32 {target}")
            if d.outbound:
                lines.append(f"-A OUTPUT -d {peer}/32 {target}")
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


def netfaults_supported() -> str | None:
    """None when the tools are here, else what is missing (one line)."""
    if shutil.which("nft") is None:
        return "network faults need 'nft' (Debian package nftables)"
    if _iptables_restore() is None:
        return "network delay needs 'iptables-restore' (Debian package iptables)"
    return None


def _iptables_restore() -> str | None:
    return shutil.which("iptables-legacy-restore") or shutil.which("iptables-restore")


@dataclass
class _Namespace:
    losses: list[Loss] = field(default_factory=list)
    delays: list[Delay] = field(default_factory=list)
    delayers: list[subprocess.Popen[str]] = field(default_factory=list)


class NetFaults:
    """The network faults installed in any number of namespaces, removed again on clear/close."""

    def __init__(self) -> None:
        self._ns: dict[str, _Namespace] = {}

    def __enter__(self) -> NetFaults:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- faults ---------------------------------------------------------------------------------------
    def loss(self, netns: str, peers: Sequence[str], percent: float, inbound: bool = True,
             outbound: bool = True) -> None:  # fmt: skip
        """Drop percent % of the packets between the node in netns and its peers (100: all of them)."""
        _check(peers, inbound, outbound)
        if not 0 < percent <= 100:
            raise NetFaultError(f"loss is a percentage in (0, 100], not {percent:g}")
        state = self._ns.setdefault(netns, _Namespace())
        state.losses.append(Loss(tuple(peers), float(percent), inbound, outbound))
        self._nft(netns, state.losses)

    def delay(self, netns: str, peers: Sequence[str], ms: float, jitter_ms: float = 0.0,
              inbound: bool = True, outbound: bool = True, seed: int | None = None) -> None:  # fmt: skip
        """Hold each packet between the node in netns and its peers for ms (± jitter_ms) milliseconds."""
        _check(peers, inbound, outbound)
        if ms <= 0 or jitter_ms < 0 or jitter_ms > ms:
            raise NetFaultError(f"delay {ms:g} ms ± {jitter_ms:g}: needs 0 < jitter <= delay")
        state = self._ns.setdefault(netns, _Namespace())
        queue = FIRST_QUEUE + len(state.delays)
        state.delayers.append(_start_delayer(netns, queue, ms, jitter_ms, seed))
        state.delays.append(Delay(tuple(peers), float(ms), float(jitter_ms), inbound, outbound, queue))
        self._iptables(netns, state.delays)

    def faults(self, netns: str) -> tuple[list[Loss], list[Delay]]:
        state = self._ns.get(netns, _Namespace())
        return list(state.losses), list(state.delays)

    def clear(self, netns: str | None = None) -> None:
        """Remove the faults of one namespace (or of all); a namespace already gone has none left."""
        errors = []
        for name in [netns] if netns is not None else list(self._ns):
            state = self._ns.pop(name, None)
            if state is None:
                continue
            try:
                if state.losses:
                    self._nft(name, [])
                if state.delays:
                    self._iptables(name, [])
            except NetFaultError as err:
                errors.append(str(err))
            for proc in state.delayers:
                _stop(proc)
        if errors and any("does not exist" not in e and "Cannot open" not in e for e in errors):
            raise NetFaultError(errors[0])

    def close(self) -> None:
        with contextlib.suppress(NetFaultError):
            self.clear()

    # ---- installing -----------------------------------------------------------------------------------
    def _nft(self, netns: str, losses: Sequence[Loss]) -> None:
        _run(["ip", "netns", "exec", netns, "nft", "-f", "-"], nft_ruleset(losses), "nft")

    def _iptables(self, netns: str, delays: Sequence[Delay]) -> None:
        tool = _iptables_restore()
        if tool is None:
            raise NetFaultError("network delay needs 'iptables-restore' (Debian package iptables)")
        _run(["ip", "netns", "exec", netns, tool], iptables_rules(delays), "iptables-restore")


def _run(argv: list[str], script: str, what: str) -> None:
    try:
        out = subprocess.run(argv, input=script, capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        raise NetFaultError(f"{what}: not installed") from None
    except subprocess.TimeoutExpired:
        raise NetFaultError(f"{what}: no answer within 10 s") from None
    if out.returncode != 0:
        first = (out.stderr.strip().splitlines() or ["failed"])[0]
        raise NetFaultError(f"{what} in {argv[3]}: {first}")


def _start_delayer(
    netns: str, queue: int, ms: float, jitter_ms: float, seed: int | None
) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "harness.nfqueue", "--netns", netns, "--queue", str(queue),
            "--delay-ms", str(ms), "--jitter-ms", str(jitter_ms)]  # fmt: skip
    if seed is not None:
        argv += ["--seed", str(seed)]
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=die_with_parent,
    )  # fmt: skip
    assert proc.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = proc.stdout.readline()
        if line.strip() == "ready":
            return proc
        if not line:  # it exited: its one line says why
            proc.wait(timeout=5)
            why = proc.stderr.read().strip() if proc.stderr else ""
            raise NetFaultError(why or f"delayer for {netns} exited {proc.returncode}")
    _stop(proc)
    raise NetFaultError(f"delayer for {netns} not ready within {READY_TIMEOUT:g} s")


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: it accepts what it holds, then exits
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
