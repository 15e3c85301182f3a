"""The demo's cluster act: three node daemons powered by an emulated NPS; one dies; the survivors notice,
fence it through the real fence_nps and the switch, and it comes back and rejoins.

What is printed is read from the running daemons (their control sockets) and the switch: nothing is scripted
but the kill itself.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

from cluster.daemon.control import ControlError
from harness.lab import ClusterLab
from harness.timeline import Timeline
from harness.tools import our_tool, run

TOKEN_MS = 1000
VICTIM = 3


class ClusterObserver:
    """Turns changes seen on one survivor (membership, fence calls, history) into timeline lines."""

    def __init__(self, lab: ClusterLab, timeline: Timeline, observer: int) -> None:
        self.lab = lab
        self.timeline = timeline
        self.observer = observer
        self.generation = -1
        self.members: list[int] = []
        self.agent_calls = 0
        self.history = 0
        self.victim_pid: int | None = None
        self.victim_starts = 0

    def _names(self, ids: list[int]) -> str:
        return ", ".join(self.lab.name(n) for n in ids)

    def poll(self) -> None:
        who = self.lab.name(self.observer)
        try:
            status = self.lab.status(self.observer)
            members = self.lab.members(self.observer)
            history = self.lab.history(self.observer)
        except ControlError:
            return  # the daemon is between states; the next poll sees it
        if status["nodes"] != len(members):
            return  # two reads straddled a change: wait for a consistent picture
        if members and (status["generation"] != self.generation or members != self.members):
            lost = [n for n in self.members if n not in members]
            joined = [n for n in members if n not in self.members]
            change = (f"lost {self._names(lost)}; " if lost else "") + (
                f"joined {self._names(joined)}; " if joined else ""
            )
            self.generation, self.members = status["generation"], members
            quorate = "quorate" if status["quorate"] else "NOT quorate"
            self.timeline.add(
                "membership",
                f"generation {self.generation} on {who}: {change}members {self._names(members)}; "
                f"votes {status['total_votes']}, quorum {status['quorum']}: {quorate}",
            )
        starts = self.lab.events(self.observer, "fence_call")
        for event in starts[self.agent_calls :]:
            self.timeline.add(
                "fenced",
                f"{who} (master) runs {event['agent']} for {event['victim']}, stdin from cluster.conf",
            )
        self.agent_calls = len(starts)
        for record in history[self.history :]:
            self.timeline.add(
                "fenced",
                f"{record['victim']}: method {record['method']}, device {record['device']}: "
                f"{record['result']} in {record['duration']:.2f}s",
            )
        self.history = len(history)
        pid = self.lab.pid(VICTIM)
        if pid != self.victim_pid and pid is not None:
            self.victim_starts += 1
            what = "power is back: node daemon started again" if self.victim_starts > 1 else "node daemon up"
            self.timeline.add(self.lab.name(VICTIM), f"{what} (pid {pid})")
        self.victim_pid = pid

    def until(self, what: str, done: Any, timeout: float) -> None:
        """Poll (a display loop, with a deadline) until ``done()`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if done():
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"cluster: {what} did not happen within {timeout:.0f}s")
            time.sleep(0.02)


def cluster_section(timeline: Timeline) -> bool:
    timeline.section(
        f"A 3-node cluster (token {TOKEN_MS} ms) on 127.0.0.1-3, each node powered by a plug of an NPS switch"
    )
    root = Path(tempfile.mkdtemp(prefix="fencelab-demo-cluster-"))
    with ClusterLab(root, nodes=3, token_ms=TOKEN_MS) as lab:
        watch = ClusterObserver(lab, timeline, observer=1)
        watch.until("all three nodes joining", lambda: watch.members == [1, 2, 3], 30)
        victim = lab.name(VICTIM)
        pid = lab.pid(VICTIM)
        assert pid is not None
        timeline.add(victim, f"crashes: kill -9 {pid}")
        os.kill(pid, signal.SIGKILL)
        watch.until(f"{victim} leaving the membership", lambda: VICTIM not in watch.members, 30)
        watch.until(
            f"{victim} being fenced",
            lambda: any(r["result"] == "success" for r in lab.history(1, victim)),
            60,
        )
        watch.until(f"{victim} rejoining", lambda: watch.members == [1, 2, 3], 60)
        for tool in (["cman_tool", "nodes"], ["fence_tool", "ls"]):
            timeline.add("operator", f"{' '.join(tool)}   (on node1)")
            done = run(
                [our_tool(tool[0]), *tool[1:]], env={"FENCELAB_RUN_DIR": str(lab.run_dir(1))}, timeout=30
            )
            for line in (done.stdout or done.stderr).rstrip().splitlines():
                print(f"{'':26}{line}")
    return True
