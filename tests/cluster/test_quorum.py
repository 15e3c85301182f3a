"""Quorum arithmetic: cman's rules and votequorum's options, plus a split-brain property."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.config import load_cluster_conf
from cluster.quorum import Quorum, QuorumConfig, QuorumError

DATA = Path(__file__).parent / "data"


def three(**options: object) -> Quorum:
    return Quorum(QuorumConfig.simple({1: 1, 2: 1, 3: 1}, **options))


def test_seed_listing1_two_node_matches_listing4() -> None:
    q = Quorum(QuorumConfig.from_conf(load_cluster_conf(DATA / "listing1.conf")))
    s = q.update_members([1, 2])
    # Listing 4: Expected votes: 1, Total votes: 2, Quorum: 1, Flags: 2node
    assert (s.expected_votes, s.total_votes, s.quorum, s.flags, s.quorate) == (1, 2, 1, ("2node",), True)
    assert q.update_members([1]).quorate  # each half of a two-node cluster stays quorate: fencing decides


def test_n_over_2_plus_1_and_quorum_never_decreases() -> None:
    q = three()
    assert q.update_members([1, 2, 3]).quorum == 2
    s = q.update_members([1, 2])
    assert s.quorate and s.quorum == 2
    s = q.update_members([1])
    assert not s.quorate and s.activity_blocked and s.quorum == 2


def test_quorum_does_not_follow_total_votes_down() -> None:
    q = Quorum(QuorumConfig(votes={i: 1 for i in range(1, 6)}, expected_votes=3))
    assert q.update_members([1, 2, 3, 4, 5]).quorum == 3  # 5 // 2 + 1 beats 3 // 2 + 1
    s = q.update_members([1, 2, 3])
    assert s.quorum == 3 and s.quorate
    assert not q.update_members([1, 2]).quorate


def test_votes_weigh_nodes() -> None:
    q = Quorum(QuorumConfig.simple({1: 3, 2: 1, 3: 1}))
    s = q.update_members([1])
    assert (s.expected_votes, s.quorum, s.quorate) == (5, 3, True)
    q2 = Quorum(QuorumConfig.simple({1: 3, 2: 1, 3: 1}))
    assert not q2.update_members([2, 3]).quorate


def test_cman_tool_expected() -> None:
    q = three()
    q.update_members([1, 2, 3])
    assert not q.update_members([1]).quorate
    with pytest.raises(QuorumError, match="only be lowered"):
        q.set_expected(4)
    s = q.set_expected(1)
    assert (s.expected_votes, s.quorum, s.quorate) == (1, 1, True)
    big = Quorum(QuorumConfig.simple({i: 1 for i in range(1, 6)}))
    big.update_members([1, 2, 3])
    with pytest.raises(QuorumError, match="less than half"):
        big.set_expected(1)
    with pytest.raises(QuorumError, match="at least 1"):
        big.set_expected(0)


def test_leave_remove_lowers_expected_votes() -> None:
    removed = three()
    removed.update_members([1, 2, 3])
    removed.update_members([1, 2], removed=[3])
    s = removed.update_members([1], removed=[2])
    assert (s.expected_votes, s.quorum, s.quorate) == (1, 1, True)
    failed = three()
    failed.update_members([1, 2, 3])
    failed.update_members([1, 2])
    assert not failed.update_members([1]).quorate


def test_wait_for_all() -> None:
    q = three(wait_for_all=True)
    s = q.update_members([1, 2])
    assert not s.quorate and "WaitForAll" in s.flags
    assert q.update_members([1, 2, 3]).quorate
    s = q.update_members([1, 2])
    assert s.quorate and "WaitForAll" not in s.flags


def test_last_man_standing_follows_membership_down_after_the_window() -> None:
    q = Quorum(
        QuorumConfig.simple(
            {i: 1 for i in range(1, 6)}, last_man_standing=True, last_man_standing_window_ms=1000
        )
    )
    q.update_members([1, 2, 3, 4, 5], now=0)
    assert q.update_members([1, 2, 3], now=0).quorate
    assert q.tick(999).expected_votes == 5
    s = q.tick(1000)
    assert (s.expected_votes, s.quorum) == (3, 2)
    assert q.update_members([1, 2], now=1100).quorate
    s = q.tick(2100)
    assert (s.expected_votes, s.quorum) == (2, 2)
    assert not q.update_members([1], now=2200).quorate  # without auto_tie_breaker it stops at two nodes


def test_last_man_standing_with_tie_breaker_reaches_one_node() -> None:
    q = Quorum(
        QuorumConfig.simple(
            {1: 1, 2: 1, 3: 1}, last_man_standing=True, last_man_standing_window_ms=10, auto_tie_breaker=True
        )
    )
    q.update_members([1, 2, 3], now=0)
    q.update_members([1, 2], now=0)
    q.tick(10)
    s = q.update_members([1], now=20)
    assert s.quorate  # exact half with the lowest node id
    assert q.tick(30).expected_votes == 1


def test_auto_tie_breaker_even_split() -> None:
    def split(members: list[int]) -> bool:
        q = Quorum(QuorumConfig.simple({1: 1, 2: 1, 3: 1, 4: 1}, auto_tie_breaker=True))
        q.update_members([1, 2, 3, 4])
        return q.update_members(members).quorate

    assert split([1, 2]) and split([1, 4]) and not split([3, 4]) and not split([2, 3])


def test_config_error_and_quorum_device() -> None:
    q = three()
    q.update_members([1, 2, 3])
    s = q.set_config_error(True)
    assert not s.quorate and "Error" in s.flags
    qd = Quorum(QuorumConfig(votes={1: 1, 2: 1}, expected_votes=3))
    assert not qd.update_members([1]).quorate
    s = qd.set_qdevice_votes(1)
    assert s.quorate and s.total_votes == 2 and s.qdevice_votes == 1


@settings(max_examples=300, deadline=None)
@given(
    votes=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=7),
    split=st.lists(st.integers(min_value=0, max_value=2), min_size=7, max_size=7),
    history=st.lists(st.sets(st.integers(min_value=1, max_value=7)), max_size=4),
    tie_breaker=st.booleans(),
)
def test_two_disjoint_partitions_are_never_both_quorate(
    votes: list[int], split: list[int], history: list[set[int]], tie_breaker: bool
) -> None:
    config = QuorumConfig.simple({i + 1: v for i, v in enumerate(votes)}, auto_tie_breaker=tie_breaker)
    nodes = sorted(config.votes)
    side_a = [n for n in nodes if split[n - 1] == 0]
    side_b = [n for n in nodes if split[n - 1] == 1]
    results = []
    for side in (side_a, side_b):
        q = Quorum(config)
        for members in history:  # whatever each side saw before, quorum never went below its share
            q.update_members(members)
        results.append(q.update_members(side).quorate)
    assert not all(results)
