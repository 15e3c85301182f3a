"""The client side of one RMCP+ session as a state machine: datagrams and the time in, datagrams out. Pure.

Log-in is Get Channel Authentication Capabilities, Open Session (each cipher suite of ``suites`` in turn
until the BMC accepts one), RAKP 1-4 (the BMC's RAKP2 code proves it knows the password, its RAKP4 value
that it derived the same session key: both are checked), then Set Session Privilege Level. After that,
one request at a time, sealed (AES-CBC-128 + HMAC); Close Session ends it.

Every message in flight is sent again after 0.3 s, 0.6 s, then every 1 s, until its deadline; a
set-up message gets a new tag each time (so a late answer to an earlier copy is ignored), a request
keeps its IPMI sequence number (so the BMC can tell a copy from a new command) and gets the next
session sequence number. Answers pass a replay window: each session sequence number once, at most
31 behind the highest seen and at most 32 ahead of it.

The driver calls :meth:`receive` for every datagram and :meth:`tick` when :attr:`wake_at` has passed;
both return the datagram to send next, if any. Failures raise :class:`LoginRefused` (the BMC said no,
or failed a check) or :class:`NoAnswer` (a deadline passed).
"""

from __future__ import annotations

from fence_agents.ipmi import rakp, wire

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

NETFN_CHASSIS, NETFN_APP = 0x00, 0x06
CMD_GET_CHANNEL_AUTH_CAPS, CMD_SET_SESSION_PRIVILEGE, CMD_CLOSE_SESSION = 0x38, 0x3B, 0x3C
CMD_GET_CHASSIS_STATUS, CMD_CHASSIS_CONTROL = 0x01, 0x02
CHANNEL_THIS_IPMI2 = 0x8E  # "this channel", with IPMI 2.0 extended data
RETRANSMIT_AFTER = (0.3, 0.6, 1.0)  # then every 1 s
PRIVILEGE_USER = 2


class SessionError(Exception):
    """Base of the session's failures."""


class LoginRefused(SessionError):
    """The BMC refused the log-in, or an answer failed a check (the text says which)."""


class NoAnswer(SessionError):
    """A deadline passed without the answer; ``what`` names the message."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"no answer to {what} within {seconds:g} s")
        self.what, self.seconds = what, seconds


class ReplayWindow:
    """Session sequence numbers seen: each accepted once, none too old or too far ahead."""

    SIZE = 32

    def __init__(self) -> None:
        self.highest = 0
        self.seen = 0  # bit i: highest - i was accepted

    def accept(self, seq: int) -> bool:
        if seq == 0:
            return False
        if self.highest == 0 or self.highest < seq <= self.highest + self.SIZE:
            shift = seq - self.highest if self.highest else self.SIZE
            self.seen = ((self.seen << shift) | 1) & ((1 << self.SIZE) - 1)
            self.highest = seq
            return True
        behind = self.highest - seq
        if behind < 0 or behind >= self.SIZE or self.seen >> behind & 1:
            return False
        self.seen |= 1 << behind
        return True


class _InFlight:
    """One message awaiting its answer: how to build it again, when to resend, when to give up."""

    __slots__ = ("what", "build", "deadline", "seconds", "sends", "next_send")

    def __init__(self, what: str, build: Callable[[], bytes], now: float, seconds: float) -> None:
        self.what, self.build, self.seconds = what, build, seconds
        self.deadline = now + seconds
        self.sends = 0
        self.next_send = now

    def send(self, now: float) -> bytes:
        pause = RETRANSMIT_AFTER[min(self.sends, len(RETRANSMIT_AFTER) - 1)]
        self.sends += 1
        self.next_send = now + pause
        return self.build()


class ClientSession:
    """One log-in to one BMC. ``random`` gives random bytes (os.urandom; tests pass a fixed source)."""

    def __init__(
        self,
        username: str,
        password: str,
        privilege: int,
        kg: bytes | None = None,
        suites: Sequence[int] = rakp.DEFAULT_ORDER,
        random: Callable[[int], bytes] | None = None,
    ) -> None:
        if random is None:
            import os

            random = os.urandom
        self.username = username.encode("utf-8")
        self.password = password.encode("utf-8")
        self.privilege = privilege
        self.kg = kg
        self.suites = [rakp.SUITES[number] for number in suites]
        self.random = random
        self.phase = "idle"
        self.suite: rakp.CipherSuite | None = None
        self.console_id = int.from_bytes(random(4), "little") | 1  # never 0 (reserved)
        self.managed_id = 0
        self.tag = 0
        self.ipmi_seq = 0
        self.session_seq = 0
        self.keys: wire.Keys | None = None
        self.window = ReplayWindow()
        self.inflight: _InFlight | None = None
        self.request_key: tuple[int, int, int] | None = None
        self.response: wire.Response | None = None
        self.refused_suites: list[int] = []
        self._handshake: rakp.Handshake | None = None
        self._rakp2: rakp.Rakp2 | None = None
        self._sik = b""

    # -- the driver's interface -------------------------------------------------------------------------
    @property
    def wake_at(self) -> float | None:
        """When :meth:`tick` must be called next (None: nothing in flight)."""
        f = self.inflight
        return None if f is None else min(f.next_send, f.deadline)

    @property
    def ready(self) -> bool:
        """Logged in and nothing in flight."""
        return self.phase == "ready" and self.inflight is None

    def login(self, now: float, timeout: float) -> bytes:
        """Start logging in; the whole log-in must be done within ``timeout`` seconds."""
        self.login_deadline = now + timeout
        self.phase = "capabilities"
        return self._start("channel authentication capabilities", self._capabilities_request, now)

    def request(self, netfn: int, command: int, data: bytes, now: float, timeout: float, what: str) -> bytes:
        """Send one IPMI request of the established session; its answer lands in :attr:`response`."""
        if self.phase != "ready" or self.inflight is not None:
            raise SessionError("no session, or a request is in flight")
        self.response = None
        self.ipmi_seq = (self.ipmi_seq + 1) & 0x3F
        seq = self.ipmi_seq
        self.request_key = (netfn + 1, command, seq)
        message = wire.request_message(netfn, command, seq, data)
        return self._start(what, lambda: self._sealed(message), now, timeout)

    def close(self, now: float, timeout: float) -> bytes:
        """Close Session; the caller may stop waiting for its answer whenever it likes."""
        data = self.managed_id.to_bytes(4, "little")
        return self.request(NETFN_APP, CMD_CLOSE_SESSION, data, now, timeout, "close session")

    def tick(self, now: float) -> bytes | None:
        """Resend what is due; raise NoAnswer past the deadline."""
        f = self.inflight
        if f is None:
            return None
        if now >= f.deadline:
            self.inflight = None
            raise NoAnswer(f.what, f.seconds)
        return f.send(now) if now >= f.next_send else None

    def receive(self, datagram: bytes, now: float) -> bytes | None:
        """Handle one datagram from the BMC; anything malformed, stale or foreign is ignored."""
        try:
            return self._receive(datagram, now)
        except wire.WireError:
            return None

    # -- internals --------------------------------------------------------------------------------------
    def _start(
        self, what: str, build: Callable[[], bytes], now: float, timeout: float | None = None
    ) -> bytes:
        seconds = timeout if timeout is not None else self.login_deadline - now
        self.inflight = _InFlight(what, build, now, max(0.0, seconds))
        return self.inflight.send(now)

    def _next_tag(self) -> int:
        self.tag = (self.tag + 1) & 0xFF
        return self.tag

    def _capabilities_request(self) -> bytes:
        self.ipmi_seq = (self.ipmi_seq + 1) & 0x3F
        data = bytes([CHANNEL_THIS_IPMI2, self.privilege])
        message = wire.request_message(NETFN_APP, CMD_GET_CHANNEL_AUTH_CAPS, self.ipmi_seq, data)
        return wire.sessionless(message)

    def _open_request(self) -> bytes:
        assert self.suite is not None
        payload = rakp.open_session_request(self._next_tag(), self.privilege, self.console_id, self.suite)
        return wire.plain_packet(wire.PAYLOAD_OPEN_SESSION_REQUEST, payload)

    def _rakp1(self) -> bytes:
        assert self.suite is not None
        self._handshake = rakp.Handshake(
            self.suite, self.username, self.password, self.kg, self.privilege | rakp.NAME_ONLY_LOOKUP,
            self.console_id, self.managed_id, self.random(16),
        )  # fmt: skip
        h = self._handshake
        payload = rakp.rakp1(self._next_tag(), self.managed_id, h.console_random, h.role, self.username)
        return wire.plain_packet(wire.PAYLOAD_RAKP1, payload)

    def _rakp3(self) -> bytes:
        assert self._handshake is not None and self._rakp2 is not None
        code = self._handshake.rakp3_code(self._rakp2.bmc_random)
        return wire.plain_packet(wire.PAYLOAD_RAKP3, rakp.rakp3(self._next_tag(), 0, self.managed_id, code))

    def _sealed(self, message: bytes) -> bytes:
        assert self.keys is not None
        self.session_seq = self.session_seq + 1 if self.session_seq < 0xFFFFFFFF else 1
        return wire.seal(self.keys, self.managed_id, self.session_seq, message, self.random(16))

    def _receive(self, datagram: bytes, now: float) -> bytes | None:
        phase = self.phase
        if phase == "capabilities":
            return self._got_capabilities(wire.parse_sessionless(datagram), now)
        if phase in ("open", "rakp1", "rakp3"):
            kind, payload = wire.parse_plain_packet(datagram)
            if phase == "open" and kind == wire.PAYLOAD_OPEN_SESSION_RESPONSE:
                return self._got_open(rakp.OpenSessionResponse(payload), now)
            if phase == "rakp1" and kind == wire.PAYLOAD_RAKP2:
                return self._got_rakp2(rakp.Rakp2(payload), now)
            if phase == "rakp3" and kind == wire.PAYLOAD_RAKP4:
                return self._got_rakp4(rakp.Rakp4(payload), now)
            return None
        if self.keys is None or self.inflight is None:
            return None
        session_id, seq, message = wire.unseal(self.keys, datagram)
        if session_id != self.console_id:
            return None
        answer = wire.parse_response_message(message)
        if (answer.netfn, answer.command, answer.seq) != self.request_key or not self.window.accept(seq):
            return None
        self.inflight = None
        if phase == "privilege":
            return self._got_privilege(answer, now)
        self.response = answer
        return None

    def _got_capabilities(self, answer: wire.Response, now: float) -> bytes | None:
        if answer.command != CMD_GET_CHANNEL_AUTH_CAPS or answer.seq != self.ipmi_seq:
            return None
        if answer.code:
            raise LoginRefused(f"Get Channel Authentication Capabilities: completion code {answer.code:#04x}")
        data = answer.data
        if len(data) < 4 or not (data[1] & 0x80 and data[3] & 0x02):
            raise LoginRefused("the BMC does not offer IPMI 2.0 (RMCP+) on this channel")
        self.suite = self.suites[0]
        self.phase = "open"
        return self._start(f"open session (cipher suite {self.suite.number})", self._open_request, now)

    def _got_open(self, answer: rakp.OpenSessionResponse, now: float) -> bytes | None:
        assert self.suite is not None
        if answer.tag != self.tag or answer.console_id not in (self.console_id, None):
            return None
        other_suite = answer.status == 0 and not answer.matches(self.suite)
        if answer.status in rakp.SUITE_REFUSALS or other_suite:
            self.refused_suites.append(self.suite.number)
            rest = [s for s in self.suites if s.number not in self.refused_suites]
            if not rest:
                tried = ", ".join(str(n) for n in self.refused_suites)
                raise LoginRefused(f"no cipher suite match: the BMC refused suite {tried}")
            self.suite = rest[0]
            return self._start(f"open session (cipher suite {self.suite.number})", self._open_request, now)
        if answer.status:
            raise LoginRefused(f"{rakp.status_text(answer.status)} in the open session response")
        self.managed_id = answer.managed_id
        self.phase = "rakp1"
        return self._start("RAKP message 1", self._rakp1, now)

    def _got_rakp2(self, answer: rakp.Rakp2, now: float) -> bytes | None:
        h = self._handshake
        assert h is not None
        if answer.tag != self.tag or answer.console_id not in (self.console_id, None):
            return None
        if answer.status:
            raise LoginRefused(f"{rakp.status_text(answer.status)} in RAKP2")
        expected = h.rakp2_code(answer.bmc_random, answer.bmc_guid)
        if not _same(expected, answer.key_exchange_code):
            raise LoginRefused("Incorrect password provided (the BMC's RAKP2 code does not match)")
        self._rakp2 = answer
        self._sik = h.sik(answer.bmc_random)
        self.phase = "rakp3"
        return self._start("RAKP message 3", self._rakp3, now)

    def _got_rakp4(self, answer: rakp.Rakp4, now: float) -> bytes | None:
        h, r2 = self._handshake, self._rakp2
        assert h is not None and r2 is not None
        if answer.tag != self.tag or answer.console_id not in (self.console_id, None):
            return None
        if answer.status:
            raise LoginRefused(f"{rakp.status_text(answer.status)} reported in RAKP4")
        if not _same(h.rakp4_value(self._sik, r2.bmc_guid), answer.check_value):
            raise LoginRefused("Invalid RAKP4 integrity check value (wrong Kg?)")
        self.keys = h.keys(self._sik)
        self.inflight = None
        if self.privilege <= PRIVILEGE_USER:  # every session starts at user level
            self.phase = "ready"
            return None
        self.phase = "privilege"
        self.ipmi_seq = (self.ipmi_seq + 1) & 0x3F
        seq = self.ipmi_seq
        self.request_key = (NETFN_APP + 1, CMD_SET_SESSION_PRIVILEGE, seq)
        message = wire.request_message(NETFN_APP, CMD_SET_SESSION_PRIVILEGE, seq, bytes([self.privilege]))
        return self._start("set session privilege level", lambda: self._sealed(message), now)

    def _got_privilege(self, answer: wire.Response, now: float) -> bytes | None:
        if answer.code:
            raise LoginRefused(
                f"Unauthorized role or privilege level requested (Set Session Privilege Level:"
                f" completion code {answer.code:#04x})"
            )
        self.phase = "ready"
        return None


def _same(a: bytes, b: bytes) -> bool:
    import hmac

    return hmac.compare_digest(a, b)
