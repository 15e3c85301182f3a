"""HTTP/1.1 messages, pure (sans-I/O, in the style of h11): request bytes out, response bytes in.

:class:`ResponseReader` is fed whatever the socket returned and says when one response is complete: the
status line, the header fields, and a body framed by ``Transfer-Encoding: chunked`` (trailers read and
dropped), by ``Content-Length``, or by the end of the connection (then the connection cannot be reused).
1xx interim answers are skipped; 204, 304 and answers to HEAD have no body. Sizes are capped so a broken
or hostile server cannot make the agent hoard memory. No sockets, no clocks: the caller owns both.
"""

from __future__ import annotations

MAX_HEAD = 64 << 10  # status line + header fields
MAX_BODY = 4 << 20  # a Redfish document is a few kB; a BMC streaming more is broken
NO_BODY = frozenset((204, 304))


class ProtocolError(ValueError):
    """The peer's bytes are not an HTTP/1.x response we can frame."""


class Truncated(ProtocolError):
    """The connection ended before the response did (a dropped connection, not a malformed answer)."""


def encode_request(method: str, target: str, host: str, headers: dict[str, str], body: bytes | None) -> bytes:
    """A request: ``Host`` first, the given fields, and ``Content-Length`` when there is a body (or the
    method is one that normally has one, so that an empty POST is still framed)."""
    for text in (method, target, host, *headers, *headers.values()):
        if any(c in text for c in "\r\n\0"):
            raise ProtocolError("a request line or header field contains a line break")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Response:
    """One complete response: status, header fields (names lower-case; repeated ones joined by ", "),
    the body (de-chunked), and whether the connection may carry the next request."""

    __slots__ = ("status", "reason", "headers", "body", "keep_alive")

    def __init__(self, status: int, reason: str, headers: dict[str, str], body: bytes, keep_alive: bool):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body
        self.keep_alive = keep_alive

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class ResponseReader:
    """Frames the response to one request. ``feed(data)`` with each chunk read, ``feed(b"")`` at the end of
    the connection; ``done`` tells when :attr:`response` is ready. Bytes after it are a protocol error
    (HTTP/1.1 servers do not push), so a connection with leftovers is not reused."""

    def __init__(self, head_request: bool = False) -> None:
        self.head_request = head_request
        self.response: Response | None = None
        self._buffer = bytearray()
        self._status = 0
        self._reason = ""
        self._version = ""
        self._headers: dict[str, str] = {}
        self._body = bytearray()
        self._state = "head"  # head, length, chunk-size, chunk-data, chunk-end, trailers, close, done
        self._remaining = 0
        self._eof = False

    @property
    def done(self) -> bool:
        return self.response is not None

    @property
    def started(self) -> bool:
        """Some byte of the response has arrived (a stale kept-alive connection closes before any)."""
        return bool(self._buffer) or self._state != "head" or bool(self._status)

    def feed(self, data: bytes) -> None:
        if self.response is not None:
            if data:
                raise ProtocolError("bytes after the end of the response")
            return
        if not data:
            self._eof = True
        self._buffer += data
        while self.response is None and self._step():
            pass
        if self.response is None and self._eof:
            if self._state == "close":
                self._finish(keep_alive=False)
            else:
                raise Truncated("the connection closed before the response was complete")

    # -- the states; each returns True when it made progress and may be called again ------------------------
    def _step(self) -> bool:
        if self._state == "head":
            return self._read_head()
        if self._state == "length":
            return self._read_length()
        if self._state == "close":
            self._take(len(self._buffer))
            return False
        if self._state == "chunk-size":
            return self._read_chunk_size()
        if self._state == "chunk-data":
            return self._read_chunk_data()
        if self._state == "chunk-end":
            return self._read_chunk_end()
        return self._read_trailers()

    def _read_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ProtocolError("the response header is too long")
            return False
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        status_line, *fields = head.split("\r\n")
        self._parse_status(status_line)
        headers: dict[str, str] = {}
        for field in fields:
            name, sep, value = field.partition(":")
            if not sep or not name or name != name.strip():
                raise ProtocolError(f"bad header field {field[:60]!r}")
            key, value = name.lower(), value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if 100 <= self._status < 200:  # 100 Continue, 103 Early Hints: the real answer follows
            self._status = 0
            return True
        self._headers = headers
        self._choose_framing()
        return True

    def _parse_status(self, line: str) -> None:
        version, _, rest = line.partition(" ")
        code, _, reason = rest.partition(" ")
        if version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or not code.isdigit():
            raise ProtocolError(f"not an HTTP/1.x status line: {line[:60]!r}")
        self._version, self._status, self._reason = version, int(code), reason.strip()

    def _choose_framing(self) -> None:
        encoding = self._headers.get("transfer-encoding", "").lower()
        length = self._headers.get("content-length")
        if self.head_request or self._status in NO_BODY:
            self._finish(keep_alive=self._reusable())
        elif encoding:
            if encoding.replace(" ", "").split(",")[-1] != "chunked":
                raise ProtocolError(f"unsupported Transfer-Encoding {encoding!r}")
            self._state = "chunk-size"
        elif length is not None:
            values = {v.strip() for v in length.split(",")}
            if len(values) != 1 or not next(iter(values)).isdigit():
                raise ProtocolError(f"bad Content-Length {length!r}")
            self._remaining = int(values.pop())
            if self._remaining > MAX_BODY:
                raise ProtocolError(f"a body of {self._remaining} bytes is too large")
            self._state = "length"
        else:
            self._state = "close"  # the body runs until the server closes the connection

    def _reusable(self) -> bool:
        tokens = {t.strip() for t in self._headers.get("connection", "").lower().split(",")}
        if self._version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    def _take(self, count: int) -> None:
        if len(self._body) + count > MAX_BODY:
            raise ProtocolError("the body is too large")
        self._body += self._buffer[:count]
        del self._buffer[:count]

    def _read_length(self) -> bool:
        count = min(self._remaining, len(self._buffer))
        self._take(count)
        self._remaining -= count
        if self._remaining == 0:
            self._finish(keep_alive=self._reusable())
        return False

    def _line(self) -> str | None:
        end = self._buffer.find(b"\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise ProtocolError("a chunk line is too long")
            return None
        line = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 2]
        return line

    def _read_chunk_size(self) -> bool:
        line = self._line()
        if line is None:
            return False
        size = line.split(";", 1)[0].strip()  # chunk extensions are ignored
        if not size or any(c not in "0123456789abcdefABCDEF" for c in size):
            raise ProtocolError(f"bad chunk size {line[:40]!r}")
        self._remaining = int(size, 16)
        if len(self._body) + self._remaining > MAX_BODY:
            raise ProtocolError("the body is too large")
        self._state = "chunk-data" if self._remaining else "trailers"
        return True

    def _read_chunk_data(self) -> bool:
        count = min(self._remaining, len(self._buffer))
        self._take(count)
        self._remaining -= count
        if self._remaining:
            return False
        self._state = "chunk-end"
        return True

    def _read_chunk_end(self) -> bool:
        if len(self._buffer) < 2:
            return False
        if self._buffer[:2] != b"\r\n":
            raise ProtocolError("a chunk does not end with CRLF")
        del self._buffer[:2]
        self._state = "chunk-size"
        return True

    def _read_trailers(self) -> bool:
        line = self._line()
        if line is None:
            return False
        if line == "":
            self._finish(keep_alive=self._reusable())
        return True

    def _finish(self, keep_alive: bool) -> None:
        self._state = "done"
        if self._buffer:  # more than one response's worth: do not trust the connection again
            keep_alive = False
        self.response = Response(self._status, self._reason, self._headers, bytes(self._body), keep_alive)
