"""Telnet (RFC 854/855) as a pure state machine: bytes from the server in, (data, replies) out.

Hand-written, not telnetlib3: that library is asyncio-only and costs ~75 ms of imports (more than a whole
stock fence_wti run), for the three options a power switch needs.

Option policy: a power switch only needs a plain character stream, so we let the server echo and
suppress go-ahead (WILL ECHO / WILL SGA are accepted), agree to binary in both directions, and refuse every
other option (terminal type, window size, environment, charset...). Each request gets at most one answer
per state change, which is what RFC 1143 asks of a client to avoid negotiation loops; a telnetlib3 server
finishes its negotiation at once instead of waiting for its timeout.
"""

from __future__ import annotations

import enum

IAC = 255
DONT = 254
DO = 253
WONT = 252
WILL = 251
SB = 250
SE = 240

OPT_BINARY = 0
OPT_ECHO = 1
OPT_SGA = 3

# Options the server may enable on its side (it sends WILL, we answer DO).
SERVER_MAY = frozenset({OPT_BINARY, OPT_ECHO, OPT_SGA})
# Options we enable on our side when asked (it sends DO, we answer WILL).
CLIENT_WILL = frozenset({OPT_BINARY, OPT_SGA})

CR = 13
LF = 10
NUL = 0


class _State(enum.Enum):
    DATA = 0
    IAC = 1
    OPTION = 2  # after IAC WILL/WONT/DO/DONT, waiting for the option byte
    SUB = 3  # inside IAC SB ... IAC SE
    SUB_IAC = 4
    CR = 5  # a CR was seen; a following NUL is dropped


class TelnetProtocol:
    """Decodes the server's byte stream; remembers which options are on to answer each change once."""

    def __init__(self) -> None:
        self._state = _State.DATA
        self._verb = 0
        self.remote_on: set[int] = set()  # options the server has enabled (WILL accepted)
        self.local_on: set[int] = set()  # options we have enabled (DO accepted)

    def feed(self, chunk: bytes) -> tuple[bytes, bytes]:
        """Return (application data with IAC sequences removed and CR NUL -> CR, bytes to send back)."""
        data = bytearray()
        replies = bytearray()
        for byte in chunk:
            state = self._state
            if state is _State.DATA or state is _State.CR:
                if byte == IAC:
                    self._state = _State.IAC
                elif byte == NUL and state is _State.CR:
                    self._state = _State.DATA  # CR NUL means a bare CR
                else:
                    data.append(byte)
                    self._state = _State.CR if byte == CR else _State.DATA
            elif state is _State.IAC:
                if byte == IAC:
                    data.append(IAC)  # an escaped 0xFF data byte
                    self._state = _State.DATA
                elif byte in (WILL, WONT, DO, DONT):
                    self._verb = byte
                    self._state = _State.OPTION
                elif byte == SB:
                    self._state = _State.SUB
                else:
                    self._state = _State.DATA  # NOP, GA, AYT...: nothing for us to do
            elif state is _State.OPTION:
                replies += self._negotiate(self._verb, byte)
                self._state = _State.DATA
            elif state is _State.SUB:
                if byte == IAC:
                    self._state = _State.SUB_IAC
            elif state is _State.SUB_IAC:
                # IAC SE ends the subnegotiation; IAC IAC is an escaped byte inside it. We refused every
                # option that has subnegotiations, so the payload is ignored.
                self._state = _State.DATA if byte == SE else _State.SUB
        return bytes(data), bytes(replies)

    def _negotiate(self, verb: int, option: int) -> bytes:
        if verb == WILL:
            if option in SERVER_MAY:
                if option in self.remote_on:
                    return b""
                self.remote_on.add(option)
                return bytes((IAC, DO, option))
            return bytes((IAC, DONT, option))
        if verb == WONT:
            if option in self.remote_on:
                self.remote_on.discard(option)
                return bytes((IAC, DONT, option))
            return b""
        if verb == DO:
            if option in CLIENT_WILL:
                if option in self.local_on:
                    return b""
                self.local_on.add(option)
                return bytes((IAC, WILL, option))
            return bytes((IAC, WONT, option))
        # DONT
        if option in self.local_on:
            self.local_on.discard(option)
            return bytes((IAC, WONT, option))
        return b""


def encode_outgoing(data: bytes) -> bytes:
    """Escape 0xFF as IAC IAC and send a CR that is not followed by LF as CR NUL (RFC 854)."""
    out = bytearray()
    for i, byte in enumerate(data):
        if byte == IAC:
            out += bytes((IAC, IAC))
        elif byte == CR and (i + 1 >= len(data) or data[i + 1] != LF):
            out += bytes((CR, NUL))
        else:
            out.append(byte)
    return bytes(out)
