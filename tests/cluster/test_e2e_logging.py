"""Logging per <logging>/<logging_daemon>: the seed article's Listing 2 on a running lab cluster."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for

pytestmark = pytest.mark.slow

# Listing 2, with fenced sent to a file of its own name and syslog off (no syslog daemon in CI)
LISTING_2 = """<logging to_syslog="no" to_logfile="yes" syslog_facility="daemon"
                syslog_priority="info" logfile_priority="info">
       <logging_daemon name="qdiskd" logfile="/var/log/cluster/qdiskd.log"/>
       <logging_daemon name="fenced" logfile="/var/log/cluster/fenced-lab.log"/>
       <logging_daemon name="corosync" logfile="/var/log/cluster/corosync.log"/>
</logging>"""


def test_listing_2_per_daemon_log_files(tmp_path: Path) -> None:
    with ClusterLab(tmp_path, nodes=3, token_ms=400, logging=LISTING_2) as lab:
        lab.wait_up()
        logs = lab.run_dir(1) / "var/log/cluster"
        assert lab.ask(1, "info")["logs"] == {
            "corosync": str(logs / "corosync.log"),
            "cman": str(logs / "cman.log"),
            "fenced": str(logs / "fenced-lab.log"),
        }
        victim = lab.pid(3)
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        wait_for("node3 fenced", lambda: "fence node3 success" in (logs / "fenced-lab.log").read_text(), 15)
        fenced = (logs / "fenced-lab.log").read_text()
        corosync = (logs / "corosync.log").read_text()
        cman = (logs / "cman.log").read_text()
        assert all(" fenced " in line for line in fenced.splitlines())
        assert "members generation" in corosync and "fenc" not in corosync
        assert "node node3 lost" in cman and "fencing node" not in cman
        assert not (logs / "fenced.log").exists() and not (logs / "qdiskd.log").exists()
