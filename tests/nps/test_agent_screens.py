"""Parsing the NPS screens: the /S plug table, the /SG group table, plug lookup, prompt option."""

from __future__ import annotations

from fence_agents.agents.nps_screens import (
    DEFAULT_PROMPTS,
    combined_state,
    find_group,
    find_plugs,
    parse_group_table,
    parse_status_table,
    prompt_patterns,
)
from fence_agents.device import PowerState

STATUS = """/S\r
\r
Network Power Switch v1.43\r
\r
Plug | Name             | Password    | Status | Boot Delay | Default |\r
-----+------------------+-------------+--------+------------+---------+\r
 1   | iscsi1           | (undefined) |   ON   |   0.5 Secs |   ON    |\r
 2   | iSCSI2           | (undefined) |   OFF  |   0.5 Secs |   ON    |\r
 3   | web              | (undefined) |   ON   |   0.5 Secs |   ON    |\r
 4   | web              | (undefined) |   OFF  |   0.5 Secs |   ON    |\r
"""

PAGE2 = """
Plug | Name             | Password    | Status | Boot Delay | Default |
-----+------------------+-------------+--------+------------+---------+
 5   | (undefined)      | (undefined) |   ON   |   0.5 Secs |   ON    |
"""


def test_status_rows() -> None:
    rows = parse_status_table(STATUS)
    assert [(r.plug, r.name, r.status) for r in rows][:2] == [("1", "iscsi1", "on"), ("2", "iSCSI2", "off")]
    assert len(rows) == 4
    assert rows[1].state is PowerState.OFF


def test_pages_are_joined_and_repeated_header_skipped() -> None:
    rows = parse_status_table(STATUS + "Enter: \n" + PAGE2)
    assert [r.plug for r in rows] == ["1", "2", "3", "4", "5"]


def test_short_row_ends_table_and_no_table_is_empty() -> None:
    text = "PLUG | NAME | STATUS |\n---+---+---\n1 | a | ON |\nfoo | bar\n2 | b | OFF |\n"
    assert [r.plug for r in parse_status_table(text)] == ["1"]
    assert parse_status_table("garbage\r\n@@@ | ###\r\n") == []
    assert parse_status_table("Plug | Something | Else |\n1 | 2 | 3 |\n") == []


def test_find_by_number_then_name_any_case() -> None:
    rows = parse_status_table(STATUS)
    assert [r.plug for r in find_plugs(rows, "2")] == ["2"]
    assert [r.plug for r in find_plugs(rows, "ISCSI2")] == ["2"]
    assert [r.plug for r in find_plugs(rows, "web")] == ["3", "4"]
    assert find_plugs(rows, "nothing") == []
    assert combined_state(find_plugs(rows, "web")) is PowerState.ON
    assert combined_state([]) is PowerState.UNKNOWN


GROUPS = """/SG\r
 Group Name | Plug | Status |\r
------------+------+--------+\r
 nodes      |  1   |   ON   |\r
            |  2   |   OFF  |\r
 storage    |  2   |   OFF  |\r
            |  4   |   OFF  |\r
 legacy     |      |  ---   |\r
            |  3   |   ON   |\r
"""


def test_group_table() -> None:
    groups = parse_group_table(GROUPS)
    assert [(g.name, g.statuses) for g in groups] == [
        ("nodes", ["on", "off"]),
        ("storage", ["off", "off"]),
        ("legacy", ["on"]),
    ]
    assert find_group(groups, "NODES") is not None
    assert find_group(groups, "NODES").state is PowerState.ON  # type: ignore[union-attr]
    assert find_group(groups, "storage").state is PowerState.OFF  # type: ignore[union-attr]
    assert find_group(groups, "x") is None
    assert parse_group_table("no groups here") == []


def test_prompt_option_forms() -> None:
    assert prompt_patterns(None) == list(DEFAULT_PROMPTS)
    assert prompt_patterns(repr(list(DEFAULT_PROMPTS))) == list(DEFAULT_PROMPTS)
    assert prompt_patterns("MY>") == ["MY>"]
    assert prompt_patterns("[bad(") == [r"\[bad\("]
    assert prompt_patterns("['A>', 'B>']") == ["A>", "B>"]
