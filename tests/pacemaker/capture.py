"""Capture real Pacemaker output from a single-node cluster (tests/pacemaker/single_node.py) for the parsers.

    sudo .venv/bin/python -m tests.pacemaker.capture tests/pacemaker/data

regenerates the fixtures in tests/pacemaker/data/; the interop test runs the same capture live. Each state
is reached by doing something and waiting (with a deadline) until crm_mon shows it:

- ``boot-*.xml``: from pacemakerd's start until the unseen node ``ghost`` is fenced (startup fencing, reboot
  through fence_nps) and the group ``www`` (two Dummy resources) runs on node1, every distinct snapshot;
  ``boot.json`` lists them with the time each was taken, ``nps-boot.jsonl`` the NPS's own outlet log.
- ``fence-pending.xml`` / ``fence-off.xml``: ``stonith_admin --fence ghost`` with the NPS answering slowly.
- ``fence-failed.xml``: the same with the NPS refusing every login.
- ``monitor-failed.xml``: www-app's state file removed: its monitor fails (a failed action) and it restarts.
- ``group-stopped.xml``: www's target-role set to Stopped.
- ``confirm.xml``: ``stonith_admin --confirm ghost`` (an administrator vouches that ghost is down).
- ``stonith-history.xml``: ``stonith_admin --history '*' --verbose --output-as=xml`` at the end.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from harness.waiting import wait_for

from .single_node import APP_STATE, SingleNode

CRM_MON = ("crm_mon", "-1", "--output-as=xml")
_VOLATILE = re.compile(r"<last_update [^>]*/>|<pacemakerd [^>]*/>")


def stable(xml: str) -> str:
    """A snapshot without the fields that change on every call (for telling states apart)."""
    return _VOLATILE.sub("", xml)


def _until(node: SingleNode, what: str, holds: Callable[[str], bool], timeout: float = 30.0) -> str:
    def look() -> str | None:
        xml = node.tool(*CRM_MON)
        return xml if holds(xml) else None

    return str(wait_for(what, look, timeout, 0.05, retry_on=(RuntimeError,)))


def capture_boot(node: SingleNode, out: Path) -> list[tuple[float, str]]:
    """Every distinct snapshot from pacemakerd's start until www runs after the startup fence."""
    seen: list[tuple[float, str]] = []

    def settled() -> bool:
        try:
            xml = node.tool(*CRM_MON, timeout=10)
        except RuntimeError:
            return False  # not up yet
        if not seen or stable(seen[-1][1]) != stable(xml):
            seen.append((time.time(), xml))
        return 'status="success"' in xml and xml.count('role="Started"') >= 3

    node.start(on_pacemakerd=lambda: wait_for("www started after the fence", settled, 60, 0.05))
    rows = []
    for n, (t, xml) in enumerate(seen):
        (out / f"boot-{n:02d}.xml").write_text(xml)
        rows.append({"t": t, "file": f"boot-{n:02d}.xml"})
    (out / "boot.json").write_text(json.dumps(rows, indent=1) + "\n")
    (out / "nps-boot.jsonl").write_text((node.root / "nps.events.jsonl").read_text())
    return seen


def capture_rest(node: SingleNode, out: Path) -> dict[str, str]:
    assert node.nps is not None
    got: dict[str, str] = {}
    node.nps.control({"cmd": "fault", "fault": {"kind": "latency", "seconds": 1.5}})
    fence = subprocess.Popen(node.inside(["stonith_admin", "--fence", "ghost", "--timeout", "30"]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        got["fence-pending"] = _until(node, "a pending fence", lambda x: 'status="pending"' in x)
        fence.wait(timeout=30)
    finally:
        if fence.poll() is None:
            fence.kill()
            fence.wait()
    node.nps.control({"cmd": "clear-faults"})
    got["fence-off"] = _until(
        node, "the off fence done", lambda x: 'action="off"' in x and 'status="pending"' not in x
    )
    node.nps.control({"cmd": "fault", "fault": {"kind": "refuse-login"}})
    subprocess.run(node.inside(["stonith_admin", "--fence", "ghost", "--timeout", "20"]),
                   capture_output=True, timeout=60)  # fmt: skip
    node.nps.control({"cmd": "clear-faults"})
    got["fence-failed"] = _until(node, "a failed fence", lambda x: 'status="failed"' in x)
    subprocess.run(node.inside(["rm", "-f", APP_STATE]), check=True, timeout=10)
    got["monitor-failed"] = _until(node, "a failed monitor", lambda x: "<failures>" in x)
    node.tool("crm_resource", "--resource", "www", "--meta", "--set-parameter", "target-role",
              "--parameter-value", "Stopped")  # fmt: skip
    got["group-stopped"] = _until(node, "www stopped", lambda x: x.count('target_role="Stopped"') == 2
                                  and 'role="Started" target_role' not in x)  # fmt: skip
    node.tool("stonith_admin", "--confirm", "ghost")
    got["confirm"] = _until(node, "the manual confirmation", lambda x: x.count("<fence_event") == 4)
    got["stonith-history"] = node.tool("stonith_admin", "--history", "*", "--verbose", "--output-as=xml")
    for name, xml in got.items():
        (out / f"{name}.xml").write_text(xml)
    (out / "nps.jsonl").write_text((node.root / "nps.events.jsonl").read_text())
    return got


def capture(root: Path, out: Path) -> tuple[list[tuple[float, str]], dict[str, str]]:
    out.mkdir(parents=True, exist_ok=True)
    node = SingleNode(root)
    try:
        boot = capture_boot(node, out)
        rest = capture_rest(node, out)
    finally:
        node.stop()
    return boot, rest


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fl-pcap-") as tmp:
        capture(Path(tmp), Path(sys.argv[1]))
