"""Wiring: callback and process targets; a real process group SIGKILLed on power-off, restarted on on."""

from __future__ import annotations

import os
from pathlib import Path

from emulators.base.front_ends import Listen, device_server
from emulators.base.power import PowerEvent
from emulators.base.testing import TelnetTestClient, ThreadedServer, process_gone, wait_until
from emulators.base.wiring import CallbackTarget, ProcessTarget, Wiring
from emulators.nps.model import NpsModel, NpsSettings, Plug


def tree(tmp_path: Path) -> list[str]:
    """A node-like process tree: a shell that starts a grandchild and records both pids."""
    script = f"sleep 300 & echo $$ $! > {tmp_path}/pids.tmp; mv {tmp_path}/pids.tmp {tmp_path}/pids; wait"
    return ["/bin/sh", "-c", script]


def read_pids(tmp_path: Path) -> list[int]:
    wait_until(lambda: (tmp_path / "pids").exists())
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    (tmp_path / "pids").unlink()
    return pids


def test_bookkeeping_tells_each_change_once() -> None:
    heard: list[bool] = []
    wiring = Wiring({"1": CallbackTarget(heard.append)})
    events = [
        PowerEvent("1", True, 0),
        PowerEvent("1", True, 1),
        PowerEvent("2", False, 1),
        PowerEvent("1", False, 2),
    ]
    assert wiring.pending_calls(events[:3]) == [("1", True)]
    wiring.deliver(events[3:])
    assert heard == [False]


def test_process_target_group_killed_and_restarted(tmp_path: Path) -> None:
    target = ProcessTarget(tree(tmp_path))
    target.power(True)
    shell, child = read_pids(tmp_path)
    assert os.getpgid(child) == shell != os.getpgid(0)  # its own process group
    target.power(False)
    assert process_gone(shell) and process_gone(child)  # the whole group, at once
    target.power(True)
    shell2, child2 = read_pids(tmp_path)
    assert shell2 != shell and target.starts == 2
    target.close()
    assert process_gone(shell2) and process_gone(child2)


def test_nps_plug_powers_a_process(tmp_path: Path) -> None:
    target = ProcessTarget(tree(tmp_path))
    model = NpsModel(NpsSettings(plugs=[Plug(1, "node1"), Plug(2, "node2", on=False)], relay_delay=0.05))
    server = device_server(model, Listen(), Wiring({"1": target}))
    with ThreadedServer(server) as srv:
        shell, _ = read_pids(tmp_path)  # plug 1 starts on: the node runs
        client = TelnetTestClient("127.0.0.1", srv.telnet_port)
        client.expect("Enter Password: ")
        client.sendline("redhat123")
        client.expect("NPS> ")
        client.sendline("/off 1,y")
        client.expect("NPS> ")
        wait_until(lambda: process_gone(shell))  # after the relay delay, not before the prompt
        client.sendline("/on node1,y")
        client.expect("NPS> ")
        shell2, _ = read_pids(tmp_path)
        assert shell2 != shell
        client.close()
    assert process_gone(shell2)  # the emulator stopping takes the power away
