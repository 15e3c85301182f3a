"""The resource manager's ordered channel: one order per view under loss, reordering and duplicates;
nothing from an older view; a lost last message recovered from the high-water mark."""

from __future__ import annotations

import random

from cluster.daemon.rm_channel import Body, OrderedChannel, Outgoing


class Net:
    """Three channels wired by a lossy, reordering, duplicating network (a seeded RNG)."""

    def __init__(self, seed: int, loss: float = 0.3, members: tuple[int, ...] = (1, 2, 3)) -> None:
        self.rng = random.Random(seed)
        self.loss = loss
        self.nodes = {n: OrderedChannel(n) for n in members}
        self.got: dict[int, list[Body]] = {n: [] for n in members}
        self.wire: list[tuple[int, int, Body]] = []
        for n in members:
            self.absorb(n, *self.nodes[n].new_view(1, members))

    def absorb(self, sender: int, sends: list[Outgoing], deliveries: list[Body]) -> None:
        self.got[sender] += deliveries
        for out in sends:
            targets = [out.to] if out.to is not None else [m for m in self.nodes if m != sender]
            for to in targets:
                if self.rng.random() >= self.loss:
                    self.wire.append((sender, to, out.payload))
                    if self.rng.random() < 0.1:
                        self.wire.append((sender, to, out.payload))  # a duplicate

    def run(self, steps: int = 2000) -> None:
        for i in range(steps):
            if self.wire:
                sender, to, payload = self.wire.pop(self.rng.randrange(len(self.wire)))  # any order
                self.absorb(to, *self.nodes[to].receive(sender, payload))
            elif i % 10 == 0:
                for n, ch in self.nodes.items():
                    self.absorb(n, ch.tick(), [])


def test_every_member_delivers_every_submission_once_in_one_order() -> None:
    for seed in range(40):
        net = Net(seed)
        for k in range(6):
            origin = 1 + (k % 3)
            net.absorb(origin, *net.nodes[origin].submit({"k": k, "from": origin}))
        net.run()
        orders = [[b["k"] for b in net.got[n]] for n in (1, 2, 3)]
        assert orders[0] == orders[1] == orders[2], f"seed {seed}: {orders}"
        assert sorted(orders[0]) == list(range(6)), f"seed {seed}: {orders[0]}"


def test_a_new_view_drops_what_the_old_one_did_not_deliver() -> None:
    a, b = OrderedChannel(1), OrderedChannel(2)
    a.new_view(1, (1, 2))
    b.new_view(1, (1, 2))
    sends, _ = b.submit({"x": 1})  # to the sequencer (node 1), lost: the view changes first
    assert sends[0].to == 1 and sends[0].payload["t"] == "sub"
    a.new_view(2, (1, 2))
    b.new_view(2, (1, 2))
    assert a.receive(2, sends[0].payload) == ([], [])  # generation 1 is over
    assert b.tick() == []  # and b no longer repeats it


def test_a_message_of_a_view_not_yet_installed_waits_for_it() -> None:
    a, b = OrderedChannel(1), OrderedChannel(2)
    a.new_view(5, (1, 2))
    b.new_view(4, (1, 2))
    sends, mine = a.submit({"y": 1})
    assert mine == [{"y": 1}]
    assert b.receive(1, sends[0].payload) == ([], [])  # b is still in view 4
    _, delivered = b.new_view(5, (1, 2))
    assert delivered == [{"y": 1}]


def test_a_lost_last_message_is_recovered_from_the_high_water_mark() -> None:
    a, b = OrderedChannel(1), OrderedChannel(2)
    a.new_view(1, (1, 2))
    b.new_view(1, (1, 2))
    a.submit({"z": 1})  # its seq message to b is lost
    [hw] = a.tick()
    [gap], _ = b.receive(1, hw.payload)
    assert gap.payload == {"t": "gap", "gen": 1, "from_seq": 0}
    [resend], _ = a.receive(2, gap.payload)
    assert b.receive(1, resend.payload)[1] == [{"z": 1}]
