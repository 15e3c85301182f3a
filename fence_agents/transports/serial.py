"""Serial transport: a switch on an RS-232 line (or a pty standing in for one), through pyserial.

pyserial is imported only when the line is opened. A serial line has no connection set-up: stale bytes
from an earlier session are discarded at open, and the agent's login dialogue wakes the device.
"""

from __future__ import annotations

from fence_agents.errors import ConnectError, ConnectionLost
from fence_agents.transports.expect import StreamChannel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from fence_agents.log import Logger

READ_SIZE = 4096


class SerialChannel(StreamChannel):
    """An open serial line. Build with :meth:`open`."""

    def __init__(self, port: Any, log: Logger, secrets: Iterable[str] = ()) -> None:
        super().__init__(log, secrets, name="serial")
        self._port = port

    @classmethod
    def open(cls, device: str, speed: int, log: Logger, secrets: Iterable[str] = ()) -> SerialChannel:
        import serial

        log.debug("serial: opening %s at %d baud", device, speed)
        try:
            port = serial.Serial(device, baudrate=speed, timeout=0, write_timeout=5.0, exclusive=True)
            port.reset_input_buffer()
        except (OSError, ValueError, serial.SerialException) as err:
            log.debug("serial: cannot open %s: %s", device, err)
            raise ConnectError() from None
        return cls(port, log, secrets)

    def _write(self, data: bytes) -> None:
        import serial

        try:
            self._port.write(data)
            self._port.flush()
        except (OSError, serial.SerialException):
            raise ConnectionLost() from None

    def _read(self, timeout: float) -> bytes | None:
        import serial

        try:
            self._port.timeout = max(timeout, 0.001)
            first = self._port.read(1)  # blocks until a byte or the timeout
            if not first:
                return b""
            waiting = self._port.in_waiting
            return first + (self._port.read(min(waiting, READ_SIZE)) if waiting else b"")
        except (OSError, serial.SerialException) as err:
            # pyserial reports a vanished peer (pty master closed, adapter unplugged) this way
            self.log.debug("serial: read failed: %s", err)
            return None

    def _close(self) -> None:
        try:
            self._port.close()
        except Exception as err:  # closing must never fail the agent
            self.log.debug("serial: close: %s", err)
