"""Pure cores: switch ports, the SNMP object tables, the Brocade CLI session, the rPDU, the journal."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.base.faults import FaultKind, FaultPlan, FaultSpec
from emulators.san.brocade_cli import BrocadeSession, switchshow
from emulators.san.ifmib import IF_ENTRY, IFX_ENTRY, switch_table
from emulators.san.journal import Journal, writes_while_fenced
from emulators.san.mib import Kind, Missing, SetFault, SetRefused, Value, integer, octets
from emulators.san.rpdu import CONTROL_ENTRY, STATUS_ENTRY, Outlet, Pdu, pdu_table
from emulators.san.switch import PortChange, PortSpec, Switch
from fence_agents.agents.brocade_switchshow import find_port, parse_switchshow


def make_switch() -> Switch:
    return Switch.build("sw9", [PortSpec(1, host="n1", wwpn="10:00:00:00:c9:00:00:01"), PortSpec(2)])


def test_ports_oper_status_follows_admin_and_link() -> None:
    sw = make_switch()
    assert sw.port(1).online and not sw.port(2).online  # port 2 has nothing plugged in
    sw.set_enabled(1, False)
    assert not sw.port(1).online and not sw.host_reaches_storage("n1")
    assert not sw.host_reaches_storage("10:00:00:00:C9:00:00:01")  # by WWPN too
    sw.set_enabled(1, True)
    assert sw.host_reaches_storage("n1")


def test_persistent_disable_survives_reboot_runtime_does_not() -> None:
    sw = make_switch()
    sw.set_enabled(1, False, persistent=True)
    sw.set_enabled(2, False)
    sw.reboot()
    assert not sw.port(1).enabled and sw.port(2).enabled
    sw.set_enabled(1, True, persistent=True)
    sw.reboot()
    assert sw.port(1).enabled


def test_listeners_hear_changes_once_with_the_view() -> None:
    sw = make_switch()
    heard: list[tuple[int, PortChange, str]] = []
    sw.listeners.append(lambda p, c, via: heard.append((p.index, c, via)))
    sw.set_enabled(1, False, via="snmp")
    sw.set_enabled(1, False, via="snmp")  # no change, no event
    sw.set_enabled(1, True, via="cli")
    assert heard == [(1, PortChange.DISABLED, "snmp"), (1, PortChange.ENABLED, "cli")]
    assert sw.port(1).disable_count == 1


def test_ifmib_get_next_and_missing() -> None:
    sw = make_switch()
    table = switch_table(sw, lambda: 12.5)
    assert table.get(IF_ENTRY + (2, 1)) == octets("port1")
    assert table.get(IFX_ENTRY + (18, 1)) == octets("n1")
    assert table.get(IF_ENTRY + (8, 2)) == integer(2)  # no link: oper down
    assert table.get(IF_ENTRY + (7, 9)) is Missing.NO_SUCH_INSTANCE
    assert table.get((1, 3, 6, 1, 4, 1, 9)) is Missing.NO_SUCH_OBJECT
    assert table.get((1, 3, 6, 1, 2, 1, 1, 3, 0)) == Value(Kind.TIMETICKS, 1250)
    nxt = table.next(IFX_ENTRY + (18, 2))
    assert not isinstance(nxt, Missing) and nxt[0] == IFX_ENTRY + (19, 1)  # something follows ifAlias
    last = table.oids()[-1]
    assert table.next(last) is Missing.END_OF_MIB


def test_ifmib_set_errors_and_atomicity() -> None:
    sw = make_switch()
    table = switch_table(sw, lambda: 0.0)
    admin1, admin2 = IF_ENTRY + (7, 1), IF_ENTRY + (7, 2)
    cases = [
        ((admin1, octets("down")), SetFault.WRONG_TYPE),
        ((admin1, integer(3)), SetFault.WRONG_VALUE),
        ((IF_ENTRY + (8, 1), integer(2)), SetFault.NOT_WRITABLE),
        ((IF_ENTRY + (7, 7), integer(2)), SetFault.NO_CREATION),
        (((1, 3, 6, 1, 4, 1, 7, 0), integer(2)), SetFault.NOT_WRITABLE),
        ((IFX_ENTRY + (18, 1), octets("x" * 65)), SetFault.WRONG_LENGTH),
    ]
    for varbind, fault in cases:
        with pytest.raises(SetRefused) as info:
            table.set([varbind])
        assert info.value.fault is fault
    with pytest.raises(SetRefused) as info:
        table.set([(admin1, integer(2)), (admin2, integer(9))])
    assert info.value.index == 1 and sw.port(1).enabled  # nothing applied
    assert table.set([(admin1, integer(2))]) == [(admin1, integer(2))]
    assert not sw.port(1).enabled and table.get(IF_ENTRY + (8, 1)) == integer(2)


def test_lie_and_stuck_faults_on_switch_ports() -> None:
    sw = make_switch()
    sw.faults = FaultPlan([FaultSpec(FaultKind.STUCK, plugs=("port1",))])
    sw.set_enabled(1, False)
    assert sw.port(1).enabled  # stuck: acknowledged, unchanged
    sw.faults = FaultPlan([FaultSpec(FaultKind.LIE, plugs=("port2",), state="off")])
    assert switch_table(sw, lambda: 0.0).get(IF_ENTRY + (7, 2)) == integer(2)
    assert sw.port(2).enabled


def test_brocade_login_and_commands() -> None:
    sw = make_switch()
    s = BrocadeSession(sw, {"admin": "password"})
    assert s.greet(0).text.endswith("sw9 login: ")
    assert s.handle_line("admin", 0).secret
    assert "Login incorrect" in s.handle_line("wrong", 0).text
    s.handle_line("admin", 0)
    assert s.handle_line("password", 0).text == "sw9:admin> "
    assert s.handle_line("portCfgPersistentDisable 1", 0).text == "sw9:admin> "
    assert sw.port(1).persistent_disabled
    assert "invalid port number" in s.handle_line("portdisable 42", 0).text
    assert "command not found" in s.handle_line("frobnicate", 0).text
    assert "portWwn of device(s) connected" in s.handle_line("portshow 1", 0).text
    assert s.handle_line("exit", 0).close


def test_switchshow_layout_parsed_like_the_stock_agent() -> None:
    sw = make_switch()
    sw.set_enabled(1, False, persistent=True)
    lines = switchshow(sw)
    after = lines[lines.index("=" * 50) + 1 :]
    assert all(line.lstrip()[0].isdigit() for line in after)  # stock agent: no blank line may follow
    tokens = after[0].split()
    assert tokens[0] == "1" and tokens[7] == "Disabled"
    rows = parse_switchshow("\r\n".join(lines) + "\r\nsw9:admin")
    assert [r.disabled for r in rows] == [True, False]


def test_switchshow_parser_on_a_director_sample() -> None:
    text = (
        "switchName: dcx\nIndex Slot Port Address Media Speed State     Proto\n"
        "=======================================================\n"
        "  16   2    0   011000   id    N8   Online      FC  F-Port  10:00:00:00:c9:aa:bb:cc\n"
        "\n"
        "  17   2    1   011100   id    N8   No_Light    FC  Disabled (Persistent)\n"
    )
    rows = parse_switchshow(text)
    assert find_port(rows, "2/1") == rows[1] and rows[1].disabled
    assert rows[0].attached_wwn == "10:00:00:00:c9:aa:bb:cc"


def test_rpdu_relays_follow_commands_with_delay() -> None:
    now = [0.0]
    pdu = Pdu([Outlet(1, "n1"), Outlet(2, "n2")], FaultPlan(), relay_delay=1.0, reboot_delay=2.0)
    table = pdu_table(pdu, "pdu", lambda: now[0], lambda: now[0])
    table.set([(CONTROL_ENTRY + (4, 1), integer(2))])
    assert table.get(STATUS_ENTRY + (4, 1)) == integer(1)  # relay not switched yet
    assert table.get(STATUS_ENTRY + (5, 1)) == integer(1)  # command pending
    now[0] = 1.0
    assert table.get(STATUS_ENTRY + (4, 1)) == integer(2)
    table.set([(CONTROL_ENTRY + (4, 2), integer(3))])  # reboot: off at 2.0, on at 4.0
    now[0] = 2.5
    assert table.get(STATUS_ENTRY + (4, 2)) == integer(2)
    now[0] = 4.0
    assert table.get(STATUS_ENTRY + (4, 2)) == integer(1)
    with pytest.raises(SetRefused):
        table.set([(CONTROL_ENTRY + (4, 1), integer(9))])


def test_journal_proves_silence_while_fenced(tmp_path: Path) -> None:
    j = Journal(lambda: 1.0, tmp_path / "j.jsonl")
    j.write("n1", "lun0", 0, 512)
    j.port(1, "n1", "disabled", "snmp")
    j.write("n2", "lun0", 0, 512)
    j.port(1, "n1", "enabled", "snmp")
    j.write("n1", "lun0", 512, 512)
    assert list(writes_while_fenced(j.entries, "n1")) == []
    j.port(1, "n1", "disabled", "cli")
    bad = j.write("n1", "lun0", 0, 1)
    assert list(writes_while_fenced(j.entries, "n1")) == [bad]
    assert (tmp_path / "j.jsonl").read_text().count("\n") == 7


def test_control_link_and_reboot(tmp_path: Path) -> None:
    from emulators.san.model import SanModel, SanSettings

    model = SanModel(SanSettings(ports=[PortSpec(1, host="n1"), PortSpec(2)], state_dir=tmp_path))
    assert model.control({"cmd": "link", "port": 1, "up": False}, 0.0) == {"ok": True}
    assert not model.switch.host_reaches_storage("n1")
    assert not model.control({"cmd": "link", "port": 2, "up": True}, 0.0)["ok"]  # nothing wired
    assert not model.control({"cmd": "link", "port": "x"}, 0.0)["ok"]
    model.control({"cmd": "link", "port": 1, "up": True}, 0.0)
    model.switch.set_enabled(1, False, persistent=True)
    model.switch.set_enabled(2, False)
    assert model.control({"cmd": "reboot"}, 0.0) == {"ok": True}
    assert [p.enabled for p in model.switch.sorted_ports()] == [False, True]
    state = model.control({"cmd": "state"}, 0.0)
    assert state["ok"] and state["credentials"] == {"username": "admin", "password": "password"}
