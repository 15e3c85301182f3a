"""The pure NPS model: commands, login, names, groups, lists, confirmation, paging, case, timing, faults."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.base.faults import FaultPlan, parse_fault
from emulators.nps.model import NpsModel, NpsSettings, Plug
from emulators.nps.session import NpsSession


def make(**kw: object) -> NpsModel:
    plugs = kw.pop("plugs", None) or [Plug(n, f"Outlet{n}", boot_delay=1.0) for n in range(1, 9)]
    settings = NpsSettings(plugs=plugs, relay_delay=kw.pop("relay_delay", 0.0), **kw)  # type: ignore[arg-type]
    return NpsModel(settings)


def login(model: NpsModel, now: float = 0.0) -> NpsSession:
    s = model.open_session(now, "telnet")
    assert isinstance(s, NpsSession)
    greet = s.greet(now)
    assert "Network Power Switch v1.43" in greet.text
    assert greet.text.endswith("Enter Password: ") and greet.secret
    assert s.handle_line("redhat123", now).text.endswith("NPS> ")
    return s


def status_of(session: NpsSession, now: float = 0.0) -> dict[str, str]:
    """Parse /S the way the stock agent does: header 'Plug', skip separator, rows split on '|'."""
    text = session.handle_line("/S", now).text
    rows: dict[str, str] = {}
    lines = text.split("\r\n")
    start = next(i for i, line in enumerate(lines) if line.upper().startswith("PLUG"))
    header = [c.strip().lower() for c in lines[start].split("|")]
    assert lines[start + 1].startswith("-----+")
    for line in lines[start + 2 :]:
        if "|" in line:
            cells = [c.strip() for c in line.split("|")]
            assert len(cells) == len(header)
            rows[cells[header.index("plug")]] = cells[header.index("status")]
    return rows


def test_password_login_and_wrong_password_limit() -> None:
    m = make(login_attempts=2)
    s = m.open_session(0, "telnet")
    s.greet(0)
    r = s.handle_line("wrong", 0)
    assert "Invalid password" in r.text and r.text.endswith("Enter Password: ") and r.secret and not r.close
    r = s.handle_line("wrong again", 0)
    assert "Invalid password" in r.text and r.close


def test_user_and_password_login() -> None:
    m = make(users={"admin": "secret"})
    s = m.open_session(0, "telnet")
    assert s.greet(0).text.endswith("Login: ")
    r = s.handle_line("admin", 0)
    assert r.text == "Password: " and r.secret
    assert "Invalid password" in s.handle_line("redhat123", 0).text
    s.handle_line("admin", 0)
    assert s.handle_line("secret", 0).text.endswith("NPS> ")
    assert m.check_login("admin", "secret") and not m.check_login("admin", "x")


def test_ssh_session_skips_login_and_prompt_is_configurable() -> None:
    m = make(prompt="IPS>")
    s = m.open_session(0, "ssh", user="anyone")
    assert s.greet(0).text.endswith("\r\nIPS> ")


def test_status_table_layout() -> None:
    s = login(make())
    text = s.handle_line("/S", 0).text
    assert "Plug | Name             | Password    | Status | Boot Delay | Default |" in text
    assert text.endswith("|\r\nNPS> ")  # no blank line between the table and the prompt
    assert status_of(s) == {str(n): "ON" for n in range(1, 9)}


@pytest.mark.parametrize("command", ["/off 2,y", "/OFF 2,Y", "/Off outlet2,y", "/off OUTLET2 , y"])
def test_off_with_preconfirmation_numbers_names_any_case(command: str) -> None:
    s = login(make())
    r = s.handle_line(command, 0)
    assert "Processing - please wait" in r.text and r.text.endswith("NPS> ")
    assert status_of(s)["2"] == "OFF"
    assert status_of(s)["1"] == "ON"


def test_confirmation_question() -> None:
    s = login(make())
    r = s.handle_line("/off 1,3", 0)
    assert r.text.endswith("Sure? (Y/N): ")
    assert s.command_key("y") == "confirm"
    assert "Processing" in s.handle_line("y", 0).text
    assert status_of(s) == {**{str(n): "ON" for n in range(1, 9)}, "1": "OFF", "3": "OFF"}
    s.handle_line("/on *", 0)
    assert "cancelled" in s.handle_line("n", 0).text
    assert status_of(s)["1"] == "OFF"


def test_all_lists_ranges_and_groups() -> None:
    m = make(groups={"web": [1, 2], "DB": [5]})
    s = login(m)
    s.handle_line("/off *,y", 0)
    assert set(status_of(s).values()) == {"OFF"}
    s.handle_line("/on web,y", 0)
    s.handle_line("/on db,y", 0)
    s.handle_line("/on 7-8,y", 0)
    assert [k for k, v in status_of(s).items() if v == "ON"] == ["1", "2", "5", "7", "8"]


def test_group_table() -> None:
    s = login(make(groups={"web": [1, 2]}))
    s.handle_line("/off 2,y", 0)
    text = s.handle_line("/sg", 0).text
    lines = text.split("\r\n")
    head = next(i for i, line in enumerate(lines) if line.lstrip().startswith("GROUP NAME"))
    assert [c.strip() for c in lines[head].split("|")][:3] == ["GROUP NAME", "PLUG", "STATUS"]
    rows = [[c.strip() for c in line.split("|")] for line in lines[head + 2 :] if "|" in line]
    assert rows == [["web", "---", "---", ""], ["", "1", "ON", ""], ["", "2", "OFF", ""]]
    assert text.endswith("|\r\nNPS> ")


@pytest.mark.parametrize("bad", ["/on 9,y", "/on nosuch,y", "/off ,y", "/boot", "/on 1,,3,y", "/on 3-12,y"])
def test_invalid_plugs(bad: str) -> None:
    s = login(make())
    r = s.handle_line(bad, 0)
    assert "Invalid plug" in r.text and r.text.endswith("NPS> ")
    assert set(status_of(s).values()) == {"ON"}


def test_help_unknown_empty_and_logout() -> None:
    s = login(make())
    assert "/BOOT" in s.handle_line("/h", 0).text
    r = s.handle_line("/frobnicate", 0)
    assert "Invalid command" in r.text and r.text.endswith("NPS> ")
    assert s.handle_line("", 0).text == "\r\nNPS> "
    assert s.handle_line("/x", 0).close


def test_paging() -> None:
    s = login(make(plugs=[Plug(n, f"P{n}") for n in range(1, 21)], page_rows=8))
    first = s.handle_line("/S", 0)
    assert first.text.endswith("Enter: ") and first.text.count("|\r\n") == 9  # header + 8 rows
    assert s.command_key("") == "page"
    second = s.handle_line("", 0)
    assert second.text.endswith("Enter: ") and " 16  |" in second.text
    third = s.handle_line("", 0)
    assert third.text.endswith("NPS> ") and " 20  |" in third.text and "Plug |" not in third.text


def test_relay_delay_with_fake_clock() -> None:
    m = make(relay_delay=0.5)
    s = login(m)
    s.handle_line("/off 1,y", 10.0)
    assert m.next_due() == pytest.approx(10.5)
    assert status_of(s, 10.4)["1"] == "ON"
    assert status_of(s, 10.5)["1"] == "OFF"
    events = m.advance(10.6)
    assert [(e.outlet, e.on, e.at) for e in events] == [("1", False, 10.5)]
    assert m.advance(11.0) == []


def test_boot_is_off_wait_on_and_queues_per_plug() -> None:
    m = make(relay_delay=0.5)  # boot delay 1.0 per plug
    s = login(m)
    s.handle_line("/boot 2,y", 0.0)
    assert status_of(s, 0.4)["2"] == "ON"
    assert status_of(s, 0.6)["2"] == "OFF"
    assert status_of(s, 1.6)["2"] == "ON"
    assert [(e.on, e.at) for e in m.advance(2.0)] == [(False, 0.5), (True, 1.5)]
    s.handle_line("/off 3,y", 5.0)
    s.handle_line("/on 3,y", 5.1)  # queued behind the off: off at 5.5, on at 6.0
    assert [(e.on, e.at) for e in m.advance(7.0)] == [(False, 5.5), (True, 6.0)]


def test_stuck_relay_and_lying_relay() -> None:
    m = NpsModel(
        NpsSettings(relay_delay=0.0), FaultPlan([parse_fault("stuck:plugs=1"), parse_fault("lie:plugs=2")])
    )
    s = login(m)
    r = s.handle_line("/off 1+2,y".replace("+", ","), 0)
    assert "Processing" in r.text  # the unit claims it did it
    st = status_of(s)
    assert st["1"] == "ON" and m.plugs[1].on  # stuck: nothing happened
    assert st["2"] == "ON" and not m.plugs[2].on  # lie: reports the opposite of the truth


def test_refuse_login_even_with_right_password() -> None:
    m = NpsModel(NpsSettings(), FaultPlan([parse_fault("refuse-login")]))
    s = m.open_session(0, "telnet")
    s.greet(0)
    assert "Invalid password" in s.handle_line("redhat123", 0).text


def test_single_session() -> None:
    m = make(single_session=True)
    first = login(m)
    busy = m.open_session(0, "telnet")
    assert busy.greet(0).close
    busy.closed(0)
    first.closed(0)
    assert not m.open_session(0, "telnet").greet(0).close


def test_describe_reports_plugs_and_credentials() -> None:
    d = make(groups={"web": [1]}).describe()
    assert d["credentials"] == {"username": None, "password": "redhat123"}
    assert d["plugs"][0] == {"number": 1, "name": "Outlet1", "state": "on"} and d["groups"] == {"web": [1]}


def test_control_requests() -> None:
    m = make(relay_delay=1.0)
    assert m.control({"cmd": "power", "plug": "2", "on": False}, 0.0) == {"ok": True}
    assert m.plugs[2].on and m.advance(1.0)[0].outlet == "2" and not m.plugs[2].on
    assert m.control({"cmd": "fault", "fault": {"kind": "stuck", "plugs": "1"}}, 1.0) == {"ok": True}
    assert m.faults.is_stuck("1")
    assert m.control({"cmd": "clear-faults"}, 1.0) == {"ok": True} and not m.faults
    assert m.control({"cmd": "state"}, 1.0)["plugs"][1]["state"] == "off"
    assert m.control({"cmd": "power", "plug": "nine"}, 1.0)["ok"] is False
    assert m.control({"cmd": "reboot-universe"}, 1.0)["ok"] is False


def test_wrong_prompt_fault() -> None:
    m = NpsModel(NpsSettings(), FaultPlan([parse_fault("wrong-prompt:text=SYS>")]))
    s = m.open_session(0, "ssh", user="x")
    assert s.greet(0).text.endswith("\r\nSYS> ")
    assert s.handle_line("/S", 0).text.endswith("|\r\nSYS> ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=12))
def test_any_input_gets_an_answer_never_an_exception(lines: list[str]) -> None:
    m = make(groups={"web": [1, 2]}, page_rows=3)
    s = m.open_session(0, "telnet")
    s.greet(0)
    for i, line in enumerate(["redhat123", *lines]):
        reply = s.handle_line(line, float(i))
        assert isinstance(reply.text, str)
        if reply.close:
            break
    assert all(isinstance(e.on, bool) for e in m.advance(100.0))


@pytest.mark.parametrize("spec", ["\u00b2", "\u00b2-3", "1-\u0663"])
def test_unicode_digits_are_not_plug_numbers(spec: str) -> None:
    s = login(make())
    assert "Invalid plug" in s.handle_line(f"/on {spec},y", 0).text
