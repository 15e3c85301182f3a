"""RMCP+ decisions the BMC makes: cipher suites, RAKP1 users and roles, session privilege, command rights."""

from __future__ import annotations

import pytest

from emulators.bmc import rmcpplus
from emulators.bmc.rmcpplus import Privilege, RakpStatus


def open_request(auth: int, integrity: int, conf: int, *, wildcard: bool = False) -> bytes:
    def record(kind: int, algo: int) -> bytes:
        return bytes([kind, 0, 0, 0 if wildcard else 8, algo, 0, 0, 0])

    head = bytes([7, 4, 0, 0]) + b"\x11\x22\x33\x44"
    return head + record(0, auth) + record(1, integrity) + record(2, conf)


def test_suite_3_is_accepted() -> None:
    request = rmcpplus.parse_open_session_request(open_request(1, 1, 1))
    assert (request.tag, request.console_session_id) == (7, b"\x11\x22\x33\x44")
    assert rmcpplus.negotiate(request) is RakpStatus.OK


def test_suite_17_is_accepted_and_preferred() -> None:
    request = rmcpplus.parse_open_session_request(open_request(3, 4, 1))
    assert rmcpplus.negotiate(request) is RakpStatus.OK
    suite = rmcpplus.choose_suite(request)
    assert suite is not None and (suite.number, suite.hash_name, suite.icv_length) == (17, "sha256", 16)
    anything = rmcpplus.parse_open_session_request(open_request(9, 9, 9, wildcard=True))
    assert rmcpplus.choose_suite(anything) == suite  # the BMC's choice: the stronger suite


def test_suite_17_is_refused_by_a_suite_3_bmc_so_clients_fall_back() -> None:
    request = rmcpplus.parse_open_session_request(open_request(3, 4, 1))
    assert rmcpplus.negotiate(request, offered=(3,)) is RakpStatus.NO_CIPHER_SUITE_MATCH
    rejection = rmcpplus.open_session_rejection(request, RakpStatus.NO_CIPHER_SUITE_MATCH)
    assert rejection == bytes([7, 0x11, 0, 0]) + b"\x11\x22\x33\x44"


def test_wildcard_proposal_lets_the_bmc_choose() -> None:
    request = rmcpplus.parse_open_session_request(open_request(9, 9, 9, wildcard=True))
    assert rmcpplus.negotiate(request) is RakpStatus.OK


def test_short_open_request_is_rejected() -> None:
    with pytest.raises(ValueError):
        rmcpplus.parse_open_session_request(b"\x01\x02")


def rakp1(name: str, role: int) -> rmcpplus.Rakp1:
    head = bytes([5, 0, 0, 0]) + b"\xaa\xbb\xcc\xdd" + bytes(16)
    data = head + bytes([role, 0, 0, len(name)]) + name.encode()
    return rmcpplus.parse_rakp1(data)


def test_unknown_user_gets_unauthorized_name_at_once() -> None:
    assert rmcpplus.check_login(rakp1("nobody", 0x14), None) is RakpStatus.UNAUTHORIZED_NAME


def test_role_above_the_user_limit_is_an_invalid_role() -> None:
    message = rakp1("viewer", 0x14)  # name-only lookup, administrator
    assert message.username == "viewer" and message.privilege == 4
    assert rmcpplus.check_login(message, Privilege.USER) is RakpStatus.INVALID_ROLE
    assert rmcpplus.check_login(rakp1("viewer", 0x12), Privilege.USER) is RakpStatus.OK


def test_session_limit_is_the_requested_role_or_the_users_own() -> None:
    assert rmcpplus.session_limit(rakp1("a", 0x13), Privilege.ADMINISTRATOR) is Privilege.OPERATOR
    assert rmcpplus.session_limit(rakp1("a", 0x10), Privilege.OPERATOR) is Privilege.OPERATOR


def test_set_session_privilege() -> None:
    user, admin = Privilege.USER, Privilege.ADMINISTRATOR
    assert rmcpplus.set_session_privilege(0, user, admin) == (0, user)
    assert rmcpplus.set_session_privilege(4, user, admin) == (0, admin)
    assert rmcpplus.set_session_privilege(4, user, Privilege.OPERATOR) == (0x81, user)
    assert rmcpplus.set_session_privilege(9, user, admin) == (0xCC, user)


def test_power_control_needs_operator() -> None:
    assert rmcpplus.authorize(0x00, 0x01, Privilege.USER) == 0  # chassis status
    assert rmcpplus.authorize(0x00, 0x02, Privilege.USER) == 0xD4  # chassis control
    assert rmcpplus.authorize(0x00, 0x02, Privilege.OPERATOR) == 0
    assert rmcpplus.authorize(0x06, 0x02, Privilege.OPERATOR) == 0xD4  # cold reset: administrator
    assert rmcpplus.authorize(0x2E, 0x99, Privilege.CALLBACK) == 0  # unknown: left to the dispatcher


@pytest.mark.parametrize("text, level", [("user", 2), ("ADMIN", 4), ("Operator", 3), ("administrator", 4)])
def test_privilege_names(text: str, level: int) -> None:
    assert Privilege.parse(text) == level


def test_bad_privilege_name() -> None:
    with pytest.raises(ValueError, match="unknown privilege level 'root'"):
        Privilege.parse("root")
