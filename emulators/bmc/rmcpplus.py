"""RMCP+ (IPMI 2.0) session set-up decisions and the IPMI facts the BMC enforces. Pure: bytes in, bytes out.

pyghmi's server accepts any cipher-suite proposal and answers with suite 3 regardless, drops RAKP1 for an
unknown user (clients hang), and has no notion of a user's privilege limit. The functions here make the
decisions a real BMC makes; :mod:`emulators.bmc.server` applies them to pyghmi's session objects.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Privilege(enum.IntEnum):
    """IPMI privilege levels (requested role in RAKP1, session privilege, user limits)."""

    CALLBACK = 1
    USER = 2
    OPERATOR = 3
    ADMINISTRATOR = 4
    OEM = 5

    @classmethod
    def parse(cls, text: str) -> Privilege:
        """``user``, ``OPERATOR``, ``admin``... (raises ValueError with a readable message)."""
        word = text.strip().upper()
        aliases = {"ADMIN": "ADMINISTRATOR", "OPER": "OPERATOR"}
        word = aliases.get(word, word)
        try:
            return cls[word]
        except KeyError:
            names = ", ".join(p.name.lower() for p in cls)
            raise ValueError(f"unknown privilege level '{text}' (one of {names})") from None


class RakpStatus(enum.IntEnum):
    """RMCP+ and RAKP message status codes (IPMI 2.0 table 13-15)."""

    OK = 0x00
    INSUFFICIENT_RESOURCES = 0x01
    INVALID_SESSION_ID = 0x02
    INVALID_ROLE = 0x09
    UNAUTHORIZED_NAME = 0x0D
    INVALID_INTEGRITY_CHECK = 0x0F
    NO_CIPHER_SUITE_MATCH = 0x11
    ILLEGAL_PARAMETER = 0x12


CC_INSUFFICIENT_PRIVILEGE = 0xD4
CC_PRIVILEGE_NOT_AVAILABLE = 0x80  # Set Session Privilege: level not available for this user
CC_PRIVILEGE_EXCEEDS_LIMIT = 0x81  # Set Session Privilege: exceeds channel/user limit


@dataclass(frozen=True)
class CipherSuite:
    """An RMCP+ cipher suite: algorithm numbers (tables 13-17..13-19), the hash of its HMACs and the
    length of RAKP4's integrity check value (and of every packet's integrity code)."""

    number: int
    auth: int
    integrity: int
    confidentiality: int
    hash_name: str
    icv_length: int


# Suite 3: RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128.
# Suite 17: RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128.
SUITES = {
    3: CipherSuite(3, 1, 1, 1, "sha1", 12),
    17: CipherSuite(17, 3, 4, 1, "sha256", 16),
}
DEFAULT_SUITES = (17, 3)  # in order of preference when a client leaves the choice to the BMC

# Lowest session privilege each command needs (IPMI 2.0 appendix G). Commands not listed are left to the
# dispatcher (unknown ones answer 0xc1 "invalid command" whatever the privilege).
NETFN_CHASSIS = 0x00
NETFN_APP = 0x06
REQUIRED_PRIVILEGE: dict[tuple[int, int], Privilege] = {
    (NETFN_CHASSIS, 0x00): Privilege.USER,  # Get Chassis Capabilities
    (NETFN_CHASSIS, 0x01): Privilege.USER,  # Get Chassis Status
    (NETFN_CHASSIS, 0x02): Privilege.OPERATOR,  # Chassis Control
    (NETFN_CHASSIS, 0x04): Privilege.OPERATOR,  # Chassis Identify
    (NETFN_CHASSIS, 0x08): Privilege.OPERATOR,  # Set System Boot Options
    (NETFN_CHASSIS, 0x09): Privilege.OPERATOR,  # Get System Boot Options
    (NETFN_APP, 0x01): Privilege.USER,  # Get Device ID
    (NETFN_APP, 0x02): Privilege.ADMINISTRATOR,  # Cold Reset
    (NETFN_APP, 0x37): Privilege.USER,  # Get System GUID
}


def required_privilege(netfn: int, command: int) -> Privilege | None:
    return REQUIRED_PRIVILEGE.get((netfn, command))


@dataclass(frozen=True)
class OpenSessionRequest:
    """RMCP+ Open Session Request (table 13-9). An algorithm of None is a wildcard ("BMC's choice")."""

    tag: int
    requested_role: int
    console_session_id: bytes
    auth: int | None
    integrity: int | None
    confidentiality: int | None


def _algorithm(record: bytes) -> int | None:
    """One 8-byte payload record: type, 2 reserved, length, algorithm, 3 reserved. Length 0 = wildcard."""
    if len(record) < 8 or record[3] == 0:
        return None
    return record[4] & 0x3F


def parse_open_session_request(data: bytes) -> OpenSessionRequest:
    """Parse the request payload (after the 16-byte session header). Raises ValueError when too short."""
    if len(data) < 8:
        raise ValueError("open session request too short")
    records = data[8:32]
    return OpenSessionRequest(
        tag=data[0],
        requested_role=data[1] & 0x0F,
        console_session_id=bytes(data[4:8]),
        auth=_algorithm(records[0:8]),
        integrity=_algorithm(records[8:16]),
        confidentiality=_algorithm(records[16:24]),
    )


def choose_suite(request: OpenSessionRequest, offered: Sequence[int] = DEFAULT_SUITES) -> CipherSuite | None:
    """The first suite of ``offered`` that fits every algorithm the client named (None: wildcard)."""
    wanted = (request.auth, request.integrity, request.confidentiality)
    for number in offered:
        suite = SUITES[number]
        have = (suite.auth, suite.integrity, suite.confidentiality)
        if all(want is None or want == got for want, got in zip(wanted, have, strict=True)):
            return suite
    return None


def negotiate(request: OpenSessionRequest, offered: Sequence[int] = DEFAULT_SUITES) -> RakpStatus:
    """Accept only what the BMC offers, so clients that propose something else fall back."""
    return RakpStatus.OK if choose_suite(request, offered) is not None else RakpStatus.NO_CIPHER_SUITE_MATCH


def open_session_response(request: OpenSessionRequest, suite: CipherSuite, managed_id: bytes) -> bytes:
    """Open Session Response accepting ``suite`` (table 13-10); maximum privilege: administrator."""

    def record(kind: int, algorithm: int) -> bytes:
        return bytes([kind, 0, 0, 8, algorithm, 0, 0, 0])

    return (
        bytes([request.tag, 0, Privilege.ADMINISTRATOR, 0])
        + request.console_session_id
        + managed_id
        + record(0, suite.auth)
        + record(1, suite.integrity)
        + record(2, suite.confidentiality)
    )


def cipher_suite_records(offered: Sequence[int]) -> bytes:
    """Get Channel Cipher Suites records (table 22-19): C0h, suite id, auth, 40h|integrity, 80h|conf."""
    out = b""
    for number in offered:
        s = SUITES[number]
        out += bytes([0xC0, s.number, s.auth, 0x40 | s.integrity, 0x80 | s.confidentiality])
    return out


def open_session_rejection(request: OpenSessionRequest, status: RakpStatus) -> bytes:
    """Open Session Response carrying an error: tag, status, reserved, console session id."""
    return bytes([request.tag, int(status), 0, 0]) + request.console_session_id


@dataclass(frozen=True)
class Rakp1:
    """RAKP Message 1 (table 13-11), the fields the BMC decides on."""

    tag: int
    managed_session_id: bytes
    role: int  # requested maximum privilege (low nibble); bit 4 is name-only lookup
    username: str

    @property
    def privilege(self) -> int:
        return self.role & 0x0F


def parse_rakp1(data: bytes) -> Rakp1:
    if len(data) < 28:
        raise ValueError("RAKP1 too short")
    length = data[27]
    name = bytes(data[28 : 28 + length]).decode("utf-8", errors="replace")
    return Rakp1(tag=data[0], managed_session_id=bytes(data[4:8]), role=data[24], username=name)


def rakp_error(tag: int, status: RakpStatus, console_session_id: bytes) -> bytes:
    """RAKP2 or RAKP4 reporting a failure: tag, status, reserved, console session id (no auth code)."""
    return bytes([tag, int(status), 0, 0]) + console_session_id


def check_login(rakp1: Rakp1, user_limit: Privilege | None) -> RakpStatus:
    """Decide RAKP1: unknown name -> 0x0d at once; a role above the user's limit -> 0x09 (invalid role)."""
    if user_limit is None:
        return RakpStatus.UNAUTHORIZED_NAME
    wanted = rakp1.privilege
    if wanted > Privilege.OEM:
        return RakpStatus.INVALID_ROLE
    if wanted > user_limit:
        return RakpStatus.INVALID_ROLE
    return RakpStatus.OK


def session_limit(rakp1: Rakp1, user_limit: Privilege) -> Privilege:
    """The highest privilege the session may reach: the role asked for (0 = the user's own limit)."""
    return user_limit if rakp1.privilege == 0 else Privilege(rakp1.privilege)


def set_session_privilege(requested: int, current: Privilege, limit: Privilege) -> tuple[int, Privilege]:
    """Set Session Privilege Level: (completion code, new level). 0 only reads the present level."""
    if requested == 0:
        return 0, current
    if requested < Privilege.USER or requested > Privilege.OEM:
        return 0xCC, current
    if requested > limit:
        return CC_PRIVILEGE_EXCEEDS_LIMIT, current
    return 0, Privilege(requested)


def authorize(netfn: int, command: int, session_privilege: Privilege) -> int:
    """0 when the session may run the command, else 0xd4 (insufficient privilege)."""
    needed = required_privilege(netfn, command)
    if needed is not None and session_privilege < needed:
        return CC_INSUFFICIENT_PRIVILEGE
    return 0
