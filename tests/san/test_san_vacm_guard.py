"""pysnmp's VACM defect (issue 48): an empty write view grants full write access. Shown with net-snmp's
snmpset against an agent built without our guards, and refused by each guard on its own."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from emulators.san import snmp_agent
from emulators.san.ifmib import switch_table
from emulators.san.snmp_agent import Access, SnmpAgent
from emulators.san.switch import PortSpec, Switch
from harness.pytest_plugin import require_tool
from harness.tools import run

pytestmark = pytest.mark.interop
IF_ADMIN_1 = ".1.3.6.1.2.1.2.2.1.7.1"


@contextmanager
def agent_thread(switch: Switch) -> Iterator[int]:
    """A real agent on its own event loop in a thread (so the test can patch how it is configured)."""
    agent = SnmpAgent(switch_table(switch, lambda: 0.0), Access())
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        agent.start()
        loop.call_soon(ready.set)
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield agent.address[1]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        agent.stop()
        loop.close()


def read_only_set(port: int) -> tuple[int, str]:
    argv = [require_tool("snmpset"), "-m", "", "-Oeqn", "-v2c", "-c", "public", "-t", "2", "-r", "0"]
    proc = run([*argv, f"127.0.0.1:{port}", IF_ADMIN_1, "i", "2"], timeout=30)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("dummy_view", "own_check", "refused"),
    [
        (False, False, False),  # pysnmp as shipped: the read-only community writes
        (True, False, True),  # guard 1: a write view that matches nothing
        (False, True, True),  # guard 2: the controller's own list of writers
        (True, True, True),  # what the emulator runs with
    ],
)
def test_read_only_community_and_the_vacm_defect(
    monkeypatch: pytest.MonkeyPatch, dummy_view: bool, own_check: bool, refused: bool
) -> None:
    if not dummy_view:
        monkeypatch.setattr(snmp_agent, "NO_WRITE_VIEW", ())
    if not own_check:
        monkeypatch.setattr(Access, "writers", lambda self: frozenset({"public", "private"}))
    switch = Switch.build("sw0", [PortSpec(1, host="n1")])
    with agent_thread(switch) as port:
        rc, out = read_only_set(port)
    if refused:
        assert rc != 0 and "noAccess" in out
        assert switch.port(1).enabled
    else:
        assert rc == 0, out
        assert not switch.port(1).enabled  # the defect: a read-only community disabled a port
