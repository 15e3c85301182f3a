"""Node name resolution: literals, then hosts files, then DNS, all at once within one deadline."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cluster.daemon import names
from cluster.daemon.names import parse_hosts, resolve_nodes


def test_hosts_format_first_address_wins_comments_and_aliases() -> None:
    table = parse_hosts(
        "# comment\n192.0.2.1  alpha alpha.lab  # trailing\n192.0.2.9 alpha\n::1 ip6only\nbogus beta\n"
        "192.0.2.2\tBeta\n"
    )
    assert table == {"alpha": "192.0.2.1", "alpha.lab": "192.0.2.1", "beta": "192.0.2.2"}


def test_literals_and_hosts_files_are_used_before_dns(tmp_path: Path) -> None:
    lab = tmp_path / "hosts"
    lab.write_text("192.0.2.11 node1\n127.0.0.2 node2\n")
    asked: list[str] = []

    def lookup(name: str) -> str:
        asked.append(name)
        return "192.0.2.99"

    got = resolve_nodes({1: "node1", 2: "node2", 3: "192.0.2.13", 4: "node4"}, [str(lab)], 1.0, lookup)
    assert got.addresses == {1: "192.0.2.11", 2: "127.0.0.2", 3: "192.0.2.13", 4: "192.0.2.99"}
    assert asked == ["node4"]  # one DNS question, for the one name no file knows
    assert got.source == {"node1": str(lab), "node2": str(lab), "192.0.2.13": "literal", "node4": "dns"}


def test_loopback_and_unknown_names_get_127_0_0_nodeid(tmp_path: Path) -> None:
    def lookup(name: str) -> str:
        if name == "self":
            return "127.0.1.1"  # Debian's own-hostname line
        raise OSError("no such name")

    got = resolve_nodes({5: "self", 6: "nowhere"}, [], 1.0, lookup)
    assert got.addresses == {5: "127.0.0.5", 6: "127.0.0.6"} and got.unknown == ("nowhere",)


def test_a_resolver_that_hangs_costs_one_deadline_for_all_names() -> None:
    release = threading.Event()

    def hanging(name: str) -> str:
        release.wait(30)  # a resolver that drops the burst: answers nothing until released
        raise OSError("timed out")

    try:
        started = time.monotonic()
        got = resolve_nodes({n: f"node{n}" for n in range(1, 33)}, [], 0.3, hanging)
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert elapsed < 2.0, elapsed  # one 0.3 s deadline for 32 names, not 32 of them
    assert len(got.late) == 32 and got.addresses[32] == "127.0.0.32"


def test_lab_hosts_file_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lab = tmp_path / "hosts"
    lab.write_text("192.0.2.21 labnode\n")
    monkeypatch.setenv(names.HOSTS_ENV, str(lab))
    assert names.hosts_files() == [str(lab), "/etc/hosts"]
    assert resolve_nodes({1: "labnode"}, lookup=lambda name: "192.0.2.250").addresses == {1: "192.0.2.21"}
