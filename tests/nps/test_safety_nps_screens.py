"""Safety of the NPS group screen: a member whose state cannot be read never lets its group read OFF."""

from __future__ import annotations

from fence_agents.agents.nps_screens import find_group, parse_group_table
from fence_agents.device import PowerState

HEAD = " GROUP NAME       | PLUG | STATUS |\r\n------------------+------+--------+\r\n"


def state(text: str, group: str = "nodes") -> PowerState:
    found = find_group(parse_group_table(HEAD + text), group)
    assert found is not None
    return found.state


def test_member_with_a_blank_status_cell_makes_the_group_unknown() -> None:
    text = (
        " nodes            | ---  |  ---   |\r\n                  | 1    |  OFF   |\r\n"
        "                  | 2    |        |\r\n"
    )
    assert state(text) is PowerState.UNKNOWN


def test_member_row_without_a_plug_number_still_counts() -> None:
    text = " nodes            | 1    |  OFF   |\r\n                  |      |   ON   |\r\n"
    assert state(text) is PowerState.ON


def test_row_cut_off_inside_a_group_makes_that_group_unknown() -> None:
    text = " nodes            | 1    |  OFF   |\r\n                  | 2\r\nNPS> "
    assert state(text) is PowerState.UNKNOWN


def test_cut_row_poisons_only_its_own_group() -> None:
    text = (
        " web              | 3    |  OFF   |\r\n"
        " nodes            | 1    |  OFF   |\r\n                  | 2\r\nNPS> "
    )
    assert state(text, "web") is PowerState.OFF
    assert state(text, "nodes") is PowerState.UNKNOWN


def test_name_lines_and_well_formed_groups_read_as_before() -> None:
    text = (
        " nodes            | ---  |  ---   |\r\n                  | 1    |  OFF   |\r\n"
        "                  | 2    |  OFF   |\r\n legacy           |      |  ---   |\r\n"
        "                  | 3    |   ON   |\r\n"
    )
    assert state(text) is PowerState.OFF
    assert state(text, "legacy") is PowerState.ON
