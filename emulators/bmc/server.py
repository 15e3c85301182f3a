"""The BMC on the wire: pyghmi's IPMI 2.0 server with its defects fixed, serving a :class:`Chassis`.

Fixes over pyghmi 1.6's server (see the emulator notes): cipher-suite proposals it cannot honour are
refused (status 0x11) so clients fall back to suite 3; an unknown user name gets RAKP2 status 0x0d at
once; users have privilege limits and commands need a session privilege (0xd4 otherwise); idle
sessions are reaped; the bound port (0 = any) is reported correctly. Faults from the base's plan are
applied per request: latency (answer later, without blocking the loop), drop (no answer to that
request), hang (no answer to anything from that client again), garbage, refused logins, stuck power,
lying status.

pyghmi keeps module-global I/O state: one process serves one BMC (see :mod:`emulators.bmc.worker`).
The server side is built on ``serversession.IpmiServer`` rather than ``pyghmi.ipmi.bmc.Bmc``: we answer
every command ourselves, and skipping ``bmc`` (which imports pyghmi's client and OEM code) halves start-up.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import os
import struct
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pyghmi.ipmi.private.constants as constants
import pyghmi.ipmi.private.serversession as serversession
import pyghmi.ipmi.private.session as ipmisession

from emulators.base.faults import FaultKind, FaultPlan
from emulators.bmc import rmcpplus
from emulators.bmc.chassis import Chassis
from emulators.bmc.commands import ChassisCommands, Identity, request_key
from emulators.bmc.rmcpplus import Privilege, RakpStatus

PAYLOAD_OPEN_SESSION_REQUEST = 0x10


class BmcSession(serversession.ServerSession):
    """One client's RMCP+ session, with the decisions of :mod:`rmcpplus` applied."""

    bmc: EmulatedBmc
    suite: rmcpplus.CipherSuite

    def __init__(
        self,
        authdata: Any,
        kg: Any,
        clientaddr: Any,
        netsocket: Any,
        request: Any,
        uuid_: Any,
        bmc: EmulatedBmc,
    ) -> None:
        self.last_active = bmc.clock()
        self.privilege = Privilege.USER
        self.privilege_limit = Privilege.USER
        self.hung = False
        self.pending: set[tuple[int, int, int]] = set()
        bmc.sessions[clientaddr] = self
        super().__init__(authdata, kg, clientaddr, netsocket, request, uuid_, bmc)

    # -- packets in --------------------------------------------------------------------------------
    def _handle_ipmi_packet(self, data: Any, sockaddr: Any = None, qent: Any = None) -> Any:
        if self.hung:
            return None
        self.last_active = self.bmc.clock()
        return super()._handle_ipmi_packet(data, sockaddr=sockaddr, qent=qent)

    # -- session set-up ------------------------------------------------------------------------------
    # pyghmi's server hard-codes suite 3 (SHA-1 in RAKP2, RAKP3, RAKP4 and the keys); these methods do the
    # same steps with the negotiated suite's hash, so suite 17 (SHA-256) works too.
    def create_open_session_response(self, request: Any) -> bytearray:
        self.kg = self.bmc.kg  # a new login from the same address must not inherit the last user's key
        try:
            parsed = rmcpplus.parse_open_session_request(bytes(request))
        except ValueError:
            return bytearray()
        self.clientsessionid = bytearray(parsed.console_session_id)
        suite = rmcpplus.choose_suite(parsed, self.bmc.cipher_suites)
        if suite is None:
            return bytearray(rmcpplus.open_session_rejection(parsed, RakpStatus.NO_CIPHER_SUITE_MATCH))
        self.suite = suite
        self.currhashlib = getattr(hashlib, suite.hash_name)
        self.currhashlen = suite.icv_length
        self.managedsessionid = bytearray(os.urandom(4))
        self.privlevel = Privilege.ADMINISTRATOR
        return bytearray(rmcpplus.open_session_response(parsed, suite, bytes(self.managedsessionid)))

    def _got_rmcp_openrequest(self, data: Any) -> None:
        """A new login from an address that had a session: the same login faults as a first one."""
        if not self.bmc.delay_login(self.sockaddr, lambda: self._reopen(data)):
            self._reopen(data)

    def _reopen(self, data: Any) -> None:
        self.privilege = Privilege.USER
        super()._got_rmcp_openrequest(data)

    def _got_rakp1(self, data: Any) -> None:
        try:
            rakp1 = rmcpplus.parse_rakp1(bytes(data))
        except ValueError:
            return
        limit = self.bmc.users_privilege.get(rakp1.username)
        status = rmcpplus.check_login(rakp1, limit)
        if status is RakpStatus.OK and self.bmc.faults.refuse_login():
            status = RakpStatus.UNAUTHORIZED_NAME
        if status is not RakpStatus.OK or limit is None:
            error = rmcpplus.rakp_error(rakp1.tag, status, bytes(self.clientsessionid))
            self.send_payload(error, constants.payload_types["rakp2"], retry=False)
            return
        self.privilege_limit = rmcpplus.session_limit(rakp1, limit)
        self.privilege = min(Privilege.USER, self.privilege_limit)
        self._send_rakp2(bytes(data), rakp1, self.bmc.authdata[rakp1.username])

    def _mac(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, data, self.suite.hash_name)

    def _send_rakp2(self, data: bytes, rakp1: rmcpplus.Rakp1, password: str) -> None:
        self.Rm = bytearray(data[8:24])
        self.rolem = rakp1.role
        self.maxpriv = self.rolem & 0b111
        self.username = rakp1.username.encode("utf-8")
        self.uuiddata = self.uuid.bytes
        self.Rc = bytearray(os.urandom(16))
        self.kuid = password.encode("utf-8")
        if self.kg is None:
            self.kg = self.kuid
        who = bytes([self.rolem, len(self.username)]) + self.username
        signed = bytes(self.clientsessionid + self.managedsessionid + self.Rm + self.Rc) + self.uuiddata + who
        message = bytes([rakp1.tag, 0, 0, 0]) + bytes(self.clientsessionid + self.Rc) + self.uuiddata
        self.send_payload(
            bytearray(message + self._mac(self.kuid, signed)), constants.payload_types["rakp2"], retry=False
        )

    def _got_rakp3(self, data: Any) -> None:
        data = bytes(data)
        if len(data) < 8 or not hasattr(self, "Rc"):
            return
        who = bytes([self.rolem, len(self.username)]) + self.username
        self.sik = self._mac(self.kg, bytes(self.Rm + self.Rc) + who)
        self.k1 = self._mac(self.sik, b"\x01" * 20)
        self.k2 = self._mac(self.sik, b"\x02" * 20)
        self.aeskey = self.k2[:16]
        expected = self._mac(self.kuid, bytes(self.Rc + self.clientsessionid) + who)
        if data[1] != 0:
            return  # the client did not like our RAKP2
        if not hmac.compare_digest(expected, data[8:]):
            self._send_rakp4(data[0], RakpStatus.INVALID_INTEGRITY_CHECK)
            return
        self.localsid = int.from_bytes(self.managedsessionid, "little")
        self.ipmicallback = self.handle_client_request
        self._send_rakp4(data[0], 0)

    # -- requests ------------------------------------------------------------------------------------
    def handle_client_request(self, request: dict[str, Any]) -> None:
        netfn, command = request["netfn"], request["command"]
        data = bytes(request.get("data") or b"")
        if (netfn, command) == (rmcpplus.NETFN_APP, 0x3B):  # Set Session Privilege Level
            code, self.privilege = rmcpplus.set_session_privilege(
                data[0] if data else 0, self.privilege, self.privilege_limit
            )
            self._send_ipmi_net_payload(code=code, data=[int(self.privilege)] if code == 0 else [])
            return
        if (netfn, command) == (rmcpplus.NETFN_APP, 0x3C):  # Close Session
            self.send_ipmi_response()
            self.bmc.forget(self)
            return
        fault = self.bmc.faults.on_command(request_key(netfn, command, data))
        if fault.effect is FaultKind.HANG:
            self.hung = True
            return
        if fault.effect is FaultKind.DROP:
            return
        reply_to = (self.seqlun, self.clientnetfn, self.clientcommand, self.rqlun, self.clientaddr)
        key = (reply_to[0], netfn, command)
        if key in self.pending:
            return  # a retransmission of a request we are still (slowly) answering
        if fault.latency:
            self.pending.add(key)
            self.bmc.later(fault.latency, lambda: self._answer(request, reply_to, fault.effect, key))
            return
        self._answer(request, reply_to, fault.effect, key)

    def _answer(
        self,
        request: dict[str, Any],
        reply_to: tuple[Any, ...],
        effect: FaultKind | None,
        key: tuple[int, int, int],
    ) -> None:
        self.pending.discard(key)
        if self.hung or self.bmc.sessions.get(self.sockaddr) is not self:
            return
        # restore the addressing of the request we answer (another may have been parsed since)
        self.seqlun, self.clientnetfn, self.clientcommand, self.rqlun, self.clientaddr = reply_to
        if effect is FaultKind.GARBAGE:  # noise on the wire instead of the answer; clients drop it
            self.socket.sendto(b"\x06\x00\xff\x07" + os.urandom(28), self.sockaddr)
            return
        code = rmcpplus.authorize(request["netfn"], request["command"], self.privilege)
        if code:
            self.send_ipmi_response(code=code)
            return
        self.bmc.handle_raw_request(request, self)

    def _send_rakp4(self, tagvalue: int, statuscode: int) -> None:
        payload = bytes([tagvalue, statuscode, 0, 0]) + bytes(self.clientsessionid)
        if statuscode:
            self.send_payload(bytearray(payload), constants.payload_types["rakp4"], retry=False)
            return
        self.bmc.logins += 1  # a session established
        signed = bytes(self.Rm + self.managedsessionid) + self.uuiddata
        payload += self._mac(self.sik, signed)[: self.suite.icv_length]
        self.send_payload(bytearray(payload), constants.payload_types["rakp4"], retry=False)
        self.confalgo = "aes"
        self.integrityalgo = self.suite.hash_name
        self.sequencenumber = 1
        self.sessionid = int.from_bytes(self.clientsessionid, "little")

    def sessionless_data(self, data: Any, sockaddr: Any) -> None:
        """A packet queued for this session after it was forgotten: the BMC treats it as new."""
        self.bmc.sessionless_data(data, sockaddr)

    def close_server_session(self) -> None:
        self.bmc.forget(self)


class EmulatedBmc(ChassisCommands, serversession.IpmiServer):
    """A BMC serving one chassis. ``users`` maps name -> (password, privilege limit)."""

    authcap: bytes  # set by pyghmi: the Get Channel Authentication Capabilities answer

    def __init__(
        self,
        users: Mapping[str, tuple[str, Privilege]],
        chassis: Chassis,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] | None = None,
        address: str = "127.0.0.1",
        port: int = 0,
        identity: Identity | None = None,
        session_timeout: float = 60.0,
        kg: bytes | None = None,
        bmc_uuid: uuid.UUID | None = None,
        cipher_suites: Sequence[int] = rmcpplus.DEFAULT_SUITES,
    ) -> None:
        passwords = {name: secret for name, (secret, _) in users.items()}
        super().__init__(passwords, port=port, bmcuuid=bmc_uuid, address=address)
        self.port = self.serversocket.getsockname()[1]  # pyghmi keys sessions by it: must be the real one
        self.users_privilege = {name: limit for name, (_, limit) in users.items()}
        self.chassis = chassis
        self.faults = faults if faults is not None else FaultPlan()
        self.clock = clock if clock is not None else chassis.clock
        self.identity = identity or Identity()
        self.session_timeout = session_timeout
        self.cipher_suites = tuple(cipher_suites)
        if kg is not None:
            self.set_kg(kg)
        self.sessions: dict[Any, BmcSession] = {}
        self.hung_clients: set[Any] = set()  # hang fault at login: these addresses never hear from us
        self.delayed_logins: set[Any] = set()
        self.logins = 0  # sessions established since start
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._timer_ids = itertools.count()

    # -- session bookkeeping ----------------------------------------------------------------------------
    def sessionless_data(self, data: Any, sockaddr: Any) -> None:
        raw = bytearray(data)
        is_open = len(raw) >= 22 and raw[0] == 6 and raw[2:4] == b"\xff\x07" and raw[4] == 6
        if is_open and raw[5] & 0x3F == PAYLOAD_OPEN_SESSION_REQUEST:
            if not self.delay_login(sockaddr, lambda: self._open(raw, sockaddr)):
                self._open(raw, sockaddr)
            return
        if self._is_ipmi15_auth_capabilities(raw):
            self._answer_ipmi15_auth_capabilities(raw, sockaddr)
            return
        super().sessionless_data(data, sockaddr)

    @staticmethod
    def _is_ipmi15_auth_capabilities(raw: bytearray) -> bool:
        """An IPMI 1.5 (``ipmitool -I lan``) Get Channel Authentication Capabilities request."""
        if len(raw) < 22 or raw[0] != 6 or raw[2:4] != b"\xff\x07" or raw[4] != 0:
            return False
        return raw[15] >> 2 == rmcpplus.NETFN_APP and raw[19] == 0x38 and not raw[20] & 0x80

    def _answer_ipmi15_auth_capabilities(self, raw: bytearray, sockaddr: Any) -> None:
        """pyghmi ignores it and the client waits ~10 s; a BMC with IPMI 1.5 disabled says at once that it
        offers no IPMI 1.5 authentication type, and the client gives up (use lanplus)."""
        saved = self.authcap
        self.authcap = struct.pack("9B", 0, 1, 0x00, 0x04, 0x00, 0, 0, 0, 0)
        try:
            clientaddr, clientlun = raw[17], raw[18]
            self.send_auth_cap(
                raw[14], raw[15] & 0b11, clientaddr, clientlun & 0b11, clientlun >> 2, sockaddr
            )
        finally:
            self.authcap = saved

    def send_cipher_suites(
        self,
        myaddr: int,
        mylun: int,
        clientaddr: int,
        clientlun: int,
        clientseq: int,
        data: Any,
        sockaddr: Any,
    ) -> None:
        """Get Channel Cipher Suites, outside a session: the suites this BMC offers (pyghmi lists 3 only).
        The list fits the first 16-byte chunk, so every list index gets the same answer."""
        body = bytes([myaddr, mylun | clientseq << 2, 0x54, 0, 1]) + rmcpplus.cipher_suite_records(
            self.cipher_suites
        )
        head = bytes([clientaddr, clientlun | (7 << 2)])
        message = head + bytes([-sum(head) & 0xFF]) + body + bytes([-sum(body) & 0xFF])
        packet = b"\x06\x00\xff\x07\x06\x00" + bytes(8) + len(message).to_bytes(2, "little") + message
        ipmisession._io_sendto(self.serversocket, bytearray(packet), sockaddr)

    def _open(self, raw: bytearray, sockaddr: Any) -> None:
        BmcSession(self.authdata, self.kg, sockaddr, self.serversocket, raw[16:], self.uuid, bmc=self)

    def delay_login(self, client: Any, serve: Callable[[], None]) -> bool:
        """Apply the ``login`` faults to an Open Session Request: True when it is not to be answered now
        (dropped, the client is hung up on for good, or ``serve`` answers it ``seconds`` later)."""
        if client in self.hung_clients or client in self.delayed_logins:
            return True  # retransmissions while a slow answer is pending are not answered twice

        fault = self.faults.on_command("login")
        if fault.effect is FaultKind.HANG:
            self.hung_clients.add(client)
            return True
        if fault.effect is FaultKind.DROP:
            return True
        if fault.latency:
            self.delayed_logins.add(client)

            def answer() -> None:
                self.delayed_logins.discard(client)
                serve()

            self.later(fault.latency, answer)
            return True
        return False

    def forget(self, session: BmcSession) -> None:
        """Drop a session: pyghmi routes by client address, so removing the handler ends it."""
        addr = session.sockaddr
        if self.sessions.get(addr) is session:
            del self.sessions[addr]
        handlers = ipmisession.Session.bmc_handlers.get(addr)
        if handlers is not None and handlers.get(self.port) is session:
            del handlers[self.port]
            if not handlers:
                del ipmisession.Session.bmc_handlers[addr]

    def reap(self) -> int:
        """Forget sessions idle longer than session_timeout (pyghmi never does). Returns how many."""
        now = self.clock()
        idle = [s for s in self.sessions.values() if now - s.last_active > self.session_timeout]
        for session in idle:
            self.forget(session)
        return len(idle)

    # -- deferred answers (latency faults) ----------------------------------------------------------------
    def later(self, delay: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._timers, (self.clock() + delay, next(self._timer_ids), action))

    def next_timer_in(self) -> float | None:
        return max(0.0, self._timers[0][0] - self.clock()) if self._timers else None

    def run_due(self) -> None:
        while self._timers and self._timers[0][0] <= self.clock():
            _, _, action = heapq.heappop(self._timers)
            action()
