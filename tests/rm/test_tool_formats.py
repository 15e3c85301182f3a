"""clustat and clusvcadm layouts and exit codes, against rgmanager.md §1 and §2."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cluster.rm.events import UserOp
from cluster.rm.state import Flag, RgError, State
from cluster.tools import clustat_format as cf
from cluster.tools import clusvcadm_format as vf

from .support import DATA

EPOCH = 1290074400  # Thu Nov 18 10:00:00 2010 UTC


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The local time zone is UTC for the test (clustat prints ctime() of local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


MEMBERS = [
    cf.MemberRow("node2", 2, online=False),
    cf.MemberRow("node1", 1, online=True, local=True, rgmanager=True),
    cf.MemberRow("ghost", 9, online=False, estranged=True),  # down and not configured: hidden
]
SERVICES = [
    cf.ServiceRow("service:www", State.STARTED, "node1", None, transition=EPOCH),
    cf.ServiceRow("service:frz", State.STARTED, "node1", None, Flag.FROZEN),
    cf.ServiceRow("service:db", State.STOPPED, None, "node2"),
]


def test_status_screen_matches_the_reference_layout() -> None:
    text = cf.status_text("mycluster", EPOCH, True, MEMBERS, SERVICES)
    expected = (DATA / "clustat-reference.txt").read_text().splitlines()
    lines = text.splitlines()
    # the reference sorts its example by hand; clustat sorts services by name
    order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10]
    assert [line.rstrip() for line in lines] == [expected[i] for i in order]
    assert len(lines[8]) == 1 + 30 + 1 + 30 + 1 + 14  # "%-14.14s" pads the state column
    assert lines[11] == " service:frz                    node1                          started    [Z]"


def test_inquorate_wide_terminal_and_long_format() -> None:
    text = cf.status_text("c", EPOCH, False, MEMBERS[:1], SERVICES[:1], cols=200)
    lines = text.splitlines()
    assert lines[1] == "Member Status: Inquorate"
    assert lines[3].startswith(" Member Name" + " " * 53 + "ID   Status")  # min(cols/2, 64) = 64
    long = cf.status_text("c", EPOCH, True, [], SERVICES[:1], long=True).splitlines()
    assert long[6:] == [
        "Service Information", "------- -----------", "",
        "Service Name      : service:www", "  Current State   : started (112)",
        "  Flags           : none (0)", "  Owner           : node1", "  Last Owner      : none",
        "  Last Transition : Thu Nov 18 10:00:00 2010", "",
    ]  # fmt: skip


def test_owner_column_and_member_words() -> None:
    assert cf.owner_text(cf.ServiceRow("s", State.DISABLED, None, None)) == "(none)"
    assert cf.owner_text(cf.ServiceRow("s", State.FAILED, "node3", "node3")) == "(node3)"
    assert cf.owner_text(cf.ServiceRow("s", State.STARTING, "node3", "node1")) == "node3"
    qdisk = cf.MemberRow("/dev/sdq", 0, True, qdisk=True)
    assert cf.member_status(qdisk) == "Online, Quorum Disk"
    master = cf.MemberRow("n", 1, True, local=True, estranged=True, rgmanager=True, rg_role="RG-Master")
    assert cf.member_status(master) == "Online, Local, Estranged, RG-Master"


def test_xml() -> None:
    xml = cf.xml_text("mycluster", 46516, 8, True, True, MEMBERS[1:2], SERVICES[:1])
    assert xml.splitlines() == [
        '<?xml version="1.0"?>',
        '<clustat version="4.1.1">',
        '  <cluster name="mycluster" id="46516" generation="8"/>',
        '  <quorum quorate="1" groupmember="1"/>',
        "  <nodes>",
        '    <node name="node1" state="1" local="1" estranged="0" rgmanager="1" rgmanager_master="0"'
        ' qdisk="0" nodeid="0x00000001"/>',
        "  </nodes>",
        "  <groups>",
        '    <group name="service:www" state="112" state_str="started" flags="0" flags_str="" owner="node1"'
        ' last_owner="none" restarts="0" last_transition="1290074400"'
        ' last_transition_str="Thu Nov 18 10:00:00 2010"/>',
        "  </groups>",
        "</clustat>",
    ]
    assert "<groups>" not in cf.xml_text("c", 1, 1, False, False, [], None)


def test_clustat_exit_codes() -> None:
    assert cf.service_exit(SERVICES, "www") == 0 and cf.service_exit(SERVICES, "db") == 110
    assert cf.service_exit(SERVICES, "nosuch") == 255 and cf.service_exit(SERVICES, "db", xml=True) == 0
    assert [cf.member_exit(MEMBERS, n) for n in ("node1", "node2", "zz")] == [0, 1, 255]
    assert (cf.quorum_exit(True), cf.quorum_exit(False)) == (0, 1)


def test_clusvcadm_lines() -> None:
    assert vf.result_lines(UserOp.ENABLE, "www", 0, owner="node1") == [
        "Local machine trying to enable service:www...Success",
        "service:www is now running on node1",
    ]
    assert vf.result_lines(UserOp.ENABLE, "service:www", 0, member="node2", owner="node1") == [
        "Member node2 trying to enable service:www...Success",
        "Warning: service:www is now running on node1",
    ]
    assert vf.result_lines(UserOp.RELOCATE, "www", RgError.ERELO, member="node3") == [
        "Trying to relocate service:www to node3...Failed; service running on original owner"
    ]
    assert vf.result_lines(UserOp.DISABLE, "www", RgError.EFROZEN) == [
        "Local machine disabling service:www...Failure: Service is frozen"
    ]
    assert vf.action_prefix(UserOp.FREEZE, "www") == "Local machine freezing service:www..."
    assert vf.action_prefix(UserOp.STOP, "vm:guest") == "Local machine stopping vm:guest..."
    assert vf.member_lookup_lines("nod1", ["node1"]) == [
        "'nod1' not in membership list",
        "Closest match: 'node1'",
    ]


@pytest.mark.parametrize(
    ("code", "status"),
    [(0, 0), (-1, 255), (-4, 252), (-10, 0), (-13, 243), (-19, 237), (1, 1)],
)
def test_clusvcadm_exit_status_is_the_code_as_a_byte(code: int, status: int) -> None:
    assert vf.exit_status(code) == status


def test_rg_strerror_table() -> None:
    from cluster.rm.state import rg_strerror

    assert rg_strerror(-13) == "Fencing operation pending; try again later"
    assert (
        rg_strerror(-18) == "Permission denied" and rg_strerror(2) == "No" and rg_strerror(-99) == "Unknown"
    )


def test_state_record_wire_layout() -> None:
    from cluster.rm.state import RecordError, ServiceRecord, decode_record, encode_record

    record = ServiceRecord("service:www", 2, 1, State.STARTED, 3, EPOCH, Flag.FROZEN, 17)
    data = encode_record(record)
    assert len(data) == 104 and data[:11] == b"service:www" and data[64 + 8 : 64 + 12] == b"\0\0\0\2"
    assert decode_record(data) == record
    for bad in (data[:100], data[:64] + b"\0\0\0\0\xff\xff\xff\xff" + data[72:]):
        with pytest.raises(RecordError):
            decode_record(bad)
    with pytest.raises(RecordError, match="longer than 63"):
        encode_record(ServiceRecord("service:" + "x" * 60))
