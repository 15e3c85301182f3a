"""Pure byte/char handling shared by the front ends: telnet option negotiation and line assembly."""

from __future__ import annotations

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
BINARY, ECHO, SGA = 0, 1, 3

# Options we perform ourselves, and options we let the client perform.
SERVER_OPTIONS = frozenset({ECHO, SGA, BINARY})
CLIENT_OPTIONS = frozenset({SGA, BINARY})


class TelnetCodec:
    """Server side of RFC 854/855 negotiation: strips commands from the input and says what to answer.

    We offer WILL ECHO + WILL SGA (the client goes to character mode and leaves echo to us, so we can keep
    passwords off the screen); BINARY is agreed both ways; everything else is refused once.
    """

    def __init__(self) -> None:
        self.us: set[int] = {ECHO, SGA}  # announced in greeting()
        self.him: set[int] = set()
        self.refused: set[tuple[int, int]] = set()
        self._state = "data"  # data | iac | opt | sb | sb_iac
        self._verb = 0

    def greeting(self) -> bytes:
        return bytes([IAC, WILL, ECHO, IAC, WILL, SGA])

    @property
    def echo(self) -> bool:
        return ECHO in self.us

    def decode(self, data: bytes) -> tuple[bytes, bytes]:
        """Feed received bytes; returns (payload for the application, negotiation bytes to send back)."""
        payload = bytearray()
        answer = bytearray()
        for byte in data:
            if self._state == "data":
                if byte == IAC:
                    self._state = "iac"
                else:
                    payload.append(byte)
            elif self._state == "iac":
                if byte == IAC:
                    payload.append(IAC)
                    self._state = "data"
                elif byte in (DO, DONT, WILL, WONT):
                    self._verb, self._state = byte, "opt"
                elif byte == SB:
                    self._state = "sb"
                else:
                    self._state = "data"  # NOP, AYT, GA...: nothing to do
            elif self._state == "opt":
                answer += self._negotiate(self._verb, byte)
                self._state = "data"
            elif self._state == "sb":
                if byte == IAC:
                    self._state = "sb_iac"
            elif self._state == "sb_iac":
                self._state = "data" if byte == SE else "sb"
        return bytes(payload), bytes(answer)

    def _negotiate(self, verb: int, opt: int) -> bytes:
        if verb == DO:
            if opt in SERVER_OPTIONS:
                if opt not in self.us:
                    self.us.add(opt)
                    return bytes([IAC, WILL, opt])
                return b""
            return self._refuse(WONT, opt)
        if verb == DONT:
            if opt in self.us:
                self.us.discard(opt)
                return bytes([IAC, WONT, opt])
            return b""
        if verb == WILL:
            if opt in CLIENT_OPTIONS:
                if opt not in self.him:
                    self.him.add(opt)
                    return bytes([IAC, DO, opt])
                return b""
            return self._refuse(DONT, opt)
        # WONT
        if opt in self.him:
            self.him.discard(opt)
            return bytes([IAC, DONT, opt])
        return b""

    def _refuse(self, verb: int, opt: int) -> bytes:
        if (verb, opt) in self.refused:
            return b""
        self.refused.add((verb, opt))
        return bytes([IAC, verb, opt])

    @staticmethod
    def encode(text: str) -> bytes:
        return text.encode("utf-8", "replace").replace(b"\xff", b"\xff\xff")


class LineAssembler:
    """Characters in, complete lines out. CR LF, CR NUL, a lone CR and a lone LF each end one line
    (so ``/S\\r\\n`` is one command, never a command and an empty line). Backspace/DEL edit the line."""

    def __init__(self) -> None:
        self.buffer: list[str] = []
        self._after_cr = False

    def push(self, ch: str) -> tuple[str | None, str]:
        """Feed one character: (completed line or None, what an echoing terminal should show)."""
        if self._after_cr and ch in ("\n", "\0"):
            self._after_cr = False
            return None, ""
        self._after_cr = ch == "\r"
        if ch in ("\r", "\n"):
            line, self.buffer = "".join(self.buffer), []
            return line, "\r\n"
        if ch in ("\x7f", "\b"):
            if self.buffer:
                self.buffer.pop()
                return None, "\b \b"
            return None, ""
        if ch < " " and ch != "\t":
            return None, ""  # other control characters are ignored, as a terminal server would
        self.buffer.append(ch)
        return None, ch

    @property
    def partial(self) -> str:
        return "".join(self.buffer)
