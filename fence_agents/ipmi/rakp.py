"""RMCP+ session set-up messages (Open Session, RAKP 1-4), cipher suites and key derivation. Pure.

Facts (IPMI 2.0, section 13.20-13.32; the console is "m", the BMC "c"):
- RAKP2's key exchange code = HMAC_Kuid(SIDm | SIDc | Rm | Rc | GUIDc | ROLEm | ULENGTHm | UNAMEm), full
  length; RAKP3's = HMAC_Kuid(Rc | SIDm | ROLEm | ULENGTHm | UNAMEm).
- SIK = HMAC_Kg(Rm | Rc | ROLEm | ULENGTHm | UNAMEm), Kg = Kuid (the password) when no BMC key is set;
  K1 = HMAC_SIK(20 x 01), K2 = HMAC_SIK(20 x 02); the AES key is K2's first 16 bytes.
- RAKP4's integrity check value = HMAC_SIK(Rm | SIDc | GUIDc), truncated to 12 bytes (SHA-1) or 16
  (SHA-256). Session ids are sent little-endian, as 4 bytes.
- Suite 3: RAKP-HMAC-SHA1 (1), HMAC-SHA1-96 (1), AES-CBC-128 (1); suite 17: RAKP-HMAC-SHA256 (3),
  HMAC-SHA256-128 (4), AES-CBC-128 (1).
"""

from __future__ import annotations

import hmac

from fence_agents.ipmi.wire import Keys, WireError

NAME_ONLY_LOOKUP = 0x10  # RAKP1 role bit 4: look the user up by name (and privilege) only


class CipherSuite:
    __slots__ = ("number", "auth", "integrity", "confidentiality", "hash_name", "mac_length")

    def __init__(self, number: int, auth: int, integrity: int, hash_name: str, mac_length: int) -> None:
        self.number, self.auth, self.integrity, self.confidentiality = number, auth, integrity, 1
        self.hash_name, self.mac_length = hash_name, mac_length

    def __repr__(self) -> str:
        return f"CipherSuite({self.number})"


SUITES = {
    3: CipherSuite(3, auth=1, integrity=1, hash_name="sha1", mac_length=12),
    17: CipherSuite(17, auth=3, integrity=4, hash_name="sha256", mac_length=16),
}
DEFAULT_ORDER = (17, 3)  # the stronger first, as current BMCs and ipmitool default to; 3 for older BMCs

# RMCP+ status codes (table 13-15)
STATUS_TEXT = {
    0x01: "Insufficient resources to create a session",
    0x02: "Invalid session ID",
    0x03: "Invalid payload type",
    0x04: "Invalid authentication algorithm",
    0x05: "Invalid integrity algorithm",
    0x06: "No matching authentication payload",
    0x07: "No matching integrity payload",
    0x08: "Inactive session ID",
    0x09: "Invalid role",
    0x0A: "Unauthorized role or privilege level requested",
    0x0B: "Insufficient resources to create a session at the requested role",
    0x0C: "Invalid name length",
    0x0D: "Unauthorized name",
    0x0E: "Unauthorized GUID",
    0x0F: "Invalid integrity check value",
    0x10: "Invalid confidentiality algorithm",
    0x11: "No cipher suite match with proposed security algorithms",
    0x12: "Illegal or unrecognized parameter",
}
SUITE_REFUSALS = frozenset({0x04, 0x05, 0x06, 0x07, 0x10, 0x11})  # try the next suite


def status_text(status: int) -> str:
    return STATUS_TEXT.get(status, f"RMCP+ status {status:#04x}")


def _record(kind: int, algorithm: int) -> bytes:
    return bytes([kind, 0, 0, 8, algorithm, 0, 0, 0])


def open_session_request(tag: int, privilege: int, console_id: int, suite: CipherSuite) -> bytes:
    return (
        bytes([tag, privilege, 0, 0])
        + console_id.to_bytes(4, "little")
        + _record(0, suite.auth)
        + _record(1, suite.integrity)
        + _record(2, suite.confidentiality)
    )


def _head(payload: bytes, what: str) -> tuple[int, int, int | None]:
    """Tag, status and console session id of a set-up answer. A refusal may stop after the status
    (OpenIPMI's ipmi_sim sends just those 2 bytes): its session id is then None."""
    if len(payload) < 2 or (payload[1] == 0 and len(payload) < 8):
        raise WireError(f"{what} too short")
    console_id = int.from_bytes(payload[4:8], "little") if len(payload) >= 8 else None
    return payload[0], payload[1], console_id


class OpenSessionResponse:
    __slots__ = ("tag", "status", "console_id", "managed_id", "algorithms")

    def __init__(self, payload: bytes) -> None:
        self.tag, self.status, self.console_id = _head(payload, "open session response")
        self.managed_id = int.from_bytes(payload[8:12], "little") if len(payload) >= 12 else 0
        if self.status == 0 and len(payload) < 36:
            raise WireError("open session response too short")
        self.algorithms = tuple(payload[12 + 8 * i + 4] & 0x3F for i in range(3)) if not self.status else ()

    def matches(self, suite: CipherSuite) -> bool:
        return self.algorithms == (suite.auth, suite.integrity, suite.confidentiality)


def rakp1(tag: int, managed_id: int, console_random: bytes, role: int, username: bytes) -> bytes:
    return (
        bytes([tag, 0, 0, 0])
        + managed_id.to_bytes(4, "little")
        + console_random
        + bytes([role, 0, 0, len(username)])
        + username
    )


class Rakp2:
    __slots__ = ("tag", "status", "console_id", "bmc_random", "bmc_guid", "key_exchange_code")

    def __init__(self, payload: bytes) -> None:
        self.tag, self.status, self.console_id = _head(payload, "RAKP2")
        if self.status == 0 and len(payload) < 40:
            raise WireError("RAKP2 too short")
        self.bmc_random, self.bmc_guid = bytes(payload[8:24]), bytes(payload[24:40])
        self.key_exchange_code = bytes(payload[40:])


class Rakp4:
    __slots__ = ("tag", "status", "console_id", "check_value")

    def __init__(self, payload: bytes) -> None:
        self.tag, self.status, self.console_id = _head(payload, "RAKP4")
        self.check_value = bytes(payload[8:])


class Handshake:
    """The secrets of one RAKP exchange and the codes computed from them."""

    def __init__(
        self,
        suite: CipherSuite,
        username: bytes,
        password: bytes,
        kg: bytes | None,
        role: int,
        console_id: int,
        managed_id: int,
        console_random: bytes,
    ) -> None:
        self.suite, self.username, self.kuid, self.kg = suite, username, password, kg or password
        self.role, self.console_id, self.managed_id = role, console_id, managed_id
        self.console_random = console_random

    def _mac(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, data, self.suite.hash_name)

    def _who(self) -> bytes:
        return bytes([self.role, len(self.username)]) + self.username

    def rakp2_code(self, bmc_random: bytes, bmc_guid: bytes) -> bytes:
        ids = self.console_id.to_bytes(4, "little") + self.managed_id.to_bytes(4, "little")
        return self._mac(self.kuid, ids + self.console_random + bmc_random + bmc_guid + self._who())

    def rakp3_code(self, bmc_random: bytes) -> bytes:
        return self._mac(self.kuid, bmc_random + self.console_id.to_bytes(4, "little") + self._who())

    def sik(self, bmc_random: bytes) -> bytes:
        return self._mac(self.kg, self.console_random + bmc_random + self._who())

    def rakp4_value(self, sik: bytes, bmc_guid: bytes) -> bytes:
        data = self.console_random + self.managed_id.to_bytes(4, "little") + bmc_guid
        return self._mac(sik, data)[: self.suite.mac_length]

    def keys(self, sik: bytes) -> Keys:
        k1 = self._mac(sik, b"\x01" * 20)
        k2 = self._mac(sik, b"\x02" * 20)
        return Keys(k1, k2[:16], self.suite.hash_name, self.suite.mac_length)


def rakp3(tag: int, status: int, managed_id: int, code: bytes) -> bytes:
    return bytes([tag, status, 0, 0]) + managed_id.to_bytes(4, "little") + code
