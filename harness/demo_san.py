"""The demo's fabric act: a host's switch port guards its path to a LUN on the emulated array.

The host writes over NBD with a real client (qemu-io, export ``<host>/<lun>``); our fence_ifmib (SNMP, a
separate process) disables its port and the same write is refused; unfencing enables the port and the write
works again. The array's journal then shows how many writes from the host it accepted while fenced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulators.san.journal import read_journal, writes_while_fenced
from harness.demo_calls import AgentCall, fence_call
from harness.emulator_process import Emulator, start_emulator
from harness.timeline import Timeline
from harness.tools import missing_reason, run, stock_tool

HOST, LUN, PORT = "db1", "shared", 1
COMMUNITY = "private"  # the switch's read-write community; shown as *** in the timeline
WRITE = "write -P 0x5a 0 4k"


def _write(timeline: Timeline, qemu_io: str, url: str) -> AgentCall:
    """One 4 KiB write by the host, as a separate qemu-io process: its exit status and what it said."""
    timeline.add(HOST, f"qemu-io -f raw -c '{WRITE}' {url}")
    done = run([qemu_io, "-f", "raw", "-c", WRITE, url], timeout=20)
    lines = (done.stdout.strip() or done.stderr.strip()).splitlines()
    # a refusal is two lines (qemu-io's own, then the server's reason); the server's says why
    said = lines[-1] if done.returncode else (lines[0] if lines else "(no output)")
    timeline.add("qemu-io", f"exit {done.returncode}: {said.removeprefix('qemu-io: ')}")
    return AgentCall(done.returncode, said)


def _accepted(write: AgentCall) -> bool:
    return write.rc == 0 and write.said.startswith("wrote 4096/4096")


def _ifmib(san: Emulator, action: str) -> list[str]:
    return [
        f"ip={san.host}",
        f"ipport={san.port('snmp')}",
        f"community={COMMUNITY}",
        f"plug={PORT}",
        f"nodename={HOST}",
        f"action={action}",
    ]


def _journal_facts(entries: list[dict[str, Any]]) -> tuple[str, bool, int]:
    """The journal's account of the host: its port changes and writes; whether the fence held; how many
    writes from the host were accepted in all."""
    changes = [e for e in entries if e["event"] == "port" and e.get("port") == PORT]
    writes = [e for e in entries if e["event"] == "write" and e["host"] == HOST]
    fenced = list(writes_while_fenced(entries, HOST))
    down = next((e for e in changes if e["state"] == "disabled"), None)
    up = next((e for e in changes if down and e["seq"] > down["seq"] and e["state"] == "enabled"), None)
    if down is None or up is None:
        return f"no disable/enable of port {PORT} recorded ({len(changes)} port changes)", False, len(writes)
    text = (
        f"port {PORT} ({HOST}) disabled via {down['via']} at seq {down['seq']}, enabled via {up['via']} "
        f"at seq {up['seq']}; writes from {HOST} accepted: {len(writes)}, "
        f"between fence and unfence: {len(fenced)}"
    )
    return text, not fenced, len(writes)


def san_section(timeline: Timeline) -> bool:
    timeline.section("Fabric fencing: a SAN switch guarding shared storage")
    config = {"ports": [{"index": PORT, "host": HOST}, {"index": 2}], "luns": [{"name": LUN, "size_mb": 4}]}
    off_flags = ["--telnet-port", "off", "--ssh-port", "off", "--pdu-port", "off"]  # SNMP + NBD are enough
    qemu_io = stock_tool("qemu-io")
    san: Emulator
    with start_emulator("san", config=config, args=off_flags) as san:
        port = next(p for p in san.info["switch_ports"] if p["port"] == PORT)
        timeline.add(
            "san",
            f"fabric up: switch SNMP udp {san.host}:{san.port('snmp')}, array NBD tcp :{san.port('nbd')}; "
            f"port {PORT} -> {port['host']} (wwpn {port['wwpn']}); exports {', '.join(san.info['exports'])}",
        )
        url = f"nbd://{san.host}:{san.port('nbd')}/{HOST}/{LUN}"
        if qemu_io is None:
            timeline.add("demo", f"{missing_reason('qemu-io')}: the NBD writes are skipped")
        wrote = [_accepted(_write(timeline, qemu_io, url))] if qemu_io else []
        timeline.add("cluster", f"{HOST} is declared lost: the fencer cuts its path to storage")
        fence = fence_call(timeline, "fence_ifmib", _ifmib(san, "off"), who="fencer")
        if qemu_io:
            denied = _write(timeline, qemu_io, url)
        # refused, and for the fence's reason (not some other failure)
        refused = not qemu_io or (denied.rc != 0 and "no path to the array" in denied.said)
        timeline.add("cluster", f"{HOST} is to rejoin: the fencer unfences it first")
        unfence = fence_call(timeline, "fence_ifmib", _ifmib(san, "on"), who="fencer")
        if qemu_io:
            wrote.append(_accepted(_write(timeline, qemu_io, url)))
        journal = san.info["journal"]
        timeline.add("operator", f"reads the array's journal ({Path(journal).name})")
        text, held, accepted = _journal_facts(read_journal(journal))
        timeline.add("journal", text)
    return fence.rc == 0 and unfence.rc == 0 and refused and all(wrote) and held and accepted == len(wrote)
