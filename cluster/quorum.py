"""Quorum arithmetic as cman computes it, plus votequorum's options. Pure: members and time go in.

cman rules (reference/cluster-suite.md):
- expected votes = ``<cman expected_votes>`` else the sum of configured votes;
- quorum = max(expected // 2 + 1, total // 2 + 1), or 1 with ``two_node``;
- quorum never decreases, except by ``cman_tool expected``, a reload, or a node leaving with ``remove``;
- quorate iff total votes >= quorum and there is no configuration error.

votequorum options: ``wait_for_all`` (not quorate until all expected votes were present at once),
``last_man_standing`` (after a stable window, expected votes follow the membership down),
``auto_tie_breaker`` (on an exact half split the half holding the lowest node id stays quorate).

Where we differ: expected votes rise to the total when more votes are present than expected (as
votequorum does), except with two_node, where cman shows "Expected votes: 1" (seed Listing 4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from cluster.config.model import ClusterConf


class QuorumError(Exception):
    """A refused request (e.g. ``cman_tool expected``); ``str(err)`` is the one line for the user."""


@dataclass(frozen=True)
class QuorumConfig:
    votes: Mapping[int, int]  # node id -> votes, every configured node
    expected_votes: int
    two_node: bool = False
    wait_for_all: bool = False
    last_man_standing: bool = False
    last_man_standing_window_ms: int = 10000
    auto_tie_breaker: bool = False

    @classmethod
    def from_conf(cls, conf: ClusterConf) -> QuorumConfig:
        return cls(
            votes={n.nodeid: n.votes for n in conf.nodes},
            expected_votes=conf.expected_votes,
            two_node=conf.cman.two_node,
            wait_for_all=conf.cman.wait_for_all,
            last_man_standing=conf.cman.last_man_standing,
            last_man_standing_window_ms=conf.cman.last_man_standing_window_ms,
            auto_tie_breaker=conf.cman.auto_tie_breaker,
        )

    @classmethod
    def simple(cls, votes: Mapping[int, int], **options: object) -> QuorumConfig:
        """Convenience for tests and tools: expected votes default to the sum of votes."""
        base = cls(votes=dict(votes), expected_votes=sum(votes.values()))
        return replace(base, **options)  # type: ignore[arg-type]


@dataclass(frozen=True)
class QuorumStatus:
    quorate: bool
    quorum: int
    total_votes: int
    expected_votes: int
    members: tuple[int, ...]
    qdevice_votes: int = 0
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def activity_blocked(self) -> bool:
        return not self.quorate


class Quorum:
    """The quorum state of one node. Feed it membership changes; ask it for :class:`QuorumStatus`."""

    def __init__(self, config: QuorumConfig) -> None:
        self.config = config
        self.expected = config.expected_votes
        self.quorum = 0
        self.members: frozenset[int] = frozenset()
        self.qdevice_votes = 0
        self.config_error = False
        self._waiting_for_all = config.wait_for_all
        self._shrunk_at: float | None = None  # last_man_standing: when the membership last shrank
        self._quorate = False

    # -- inputs -------------------------------------------------------------------------------------
    def update_members(
        self, members: Iterable[int], now: float = 0.0, removed: Iterable[int] = ()
    ) -> QuorumStatus:
        """A new membership. ``removed`` are nodes that left with ``cman_tool leave remove``."""
        new = frozenset(m for m in members if m in self.config.votes)
        gone = [n for n in removed if n in self.config.votes and n not in new]
        for node in gone:
            self.expected = max(1, self.expected - self.config.votes[node])
        if self.config.last_man_standing:
            self._shrunk_at = now if self.members - new else None
        self.members = new
        self._recalculate(allow_decrease=bool(gone))
        return self.status()

    def tick(self, now: float) -> QuorumStatus:
        """Time passes: last_man_standing lowers expected votes once the membership was stable long enough."""
        cfg = self.config
        if cfg.last_man_standing and self._shrunk_at is not None and self._quorate:
            if now - self._shrunk_at >= cfg.last_man_standing_window_ms:
                self._shrunk_at = None
                if len(self.members) >= 2 or cfg.auto_tie_breaker:
                    self.expected = max(1, self._total())
                    self._recalculate(allow_decrease=True)
        return self.status()

    def set_expected(self, votes: int) -> QuorumStatus:
        """``cman_tool expected -e N``: lower expected votes (and with them quorum)."""
        if votes < 1:
            raise QuorumError("expected votes must be at least 1")
        if votes > self.expected:
            raise QuorumError(f"expected votes can only be lowered (currently {self.expected})")
        total = self._total()
        new_quorum = 1 if self.config.two_node else votes // 2 + 1
        if new_quorum * 2 < total:
            raise QuorumError(f"new quorum {new_quorum} would be less than half of the {total} votes present")
        if new_quorum > total:
            raise QuorumError(f"new quorum {new_quorum} would be more than the {total} votes present")
        self.expected = votes
        self._recalculate(allow_decrease=True)
        return self.status()

    def set_qdevice_votes(self, votes: int) -> QuorumStatus:
        """Votes of the quorum disk while it is available (0 when it is not)."""
        self.qdevice_votes = max(0, votes)
        self._recalculate(allow_decrease=False)
        return self.status()

    def set_config_error(self, error: bool) -> QuorumStatus:
        """A node that cannot load the cluster's config version is inquorate with ``Flags: Error``."""
        self.config_error = error
        self._recalculate(allow_decrease=False)
        return self.status()

    def reload(self, config: QuorumConfig) -> QuorumStatus:
        self.config = config
        self.expected = config.expected_votes
        self.members = frozenset(m for m in self.members if m in config.votes)
        self._recalculate(allow_decrease=True)
        return self.status()

    # -- arithmetic ---------------------------------------------------------------------------------
    def _total(self) -> int:
        return sum(self.config.votes[m] for m in self.members) + self.qdevice_votes

    def _recalculate(self, allow_decrease: bool) -> None:
        cfg = self.config
        total = self._total()
        if not cfg.two_node and total > self.expected:
            self.expected = total
        computed = 1 if cfg.two_node else max(self.expected // 2 + 1, total // 2 + 1)
        self.quorum = computed if allow_decrease or computed > self.quorum else self.quorum
        if self._waiting_for_all and total >= self.expected:
            self._waiting_for_all = False
        quorate = total >= self.quorum
        if not quorate and cfg.auto_tie_breaker and total * 2 == self.expected and not cfg.two_node:
            quorate = min(cfg.votes) in self.members
        self._quorate = quorate and not self.config_error and not self._waiting_for_all

    @property
    def quorate(self) -> bool:
        """``status().quorate`` without building the status (the simulation asks at every view change)."""
        return self._quorate

    def status(self) -> QuorumStatus:
        cfg = self.config
        flags = []
        if cfg.two_node:
            flags.append("2node")
        if self.config_error:
            flags.append("Error")
        if self._waiting_for_all:
            flags.append("WaitForAll")
        if cfg.last_man_standing:
            flags.append("LastManStanding")
        if cfg.auto_tie_breaker:
            flags.append("AutoTieBreaker")
        return QuorumStatus(
            quorate=self._quorate,
            quorum=self.quorum,
            total_votes=self._total(),
            expected_votes=self.expected,
            members=tuple(sorted(self.members)),
            qdevice_votes=self.qdevice_votes,
            flags=tuple(flags),
        )
