"""SSH front end (asyncssh): password authentication against the model, one shell session per channel.

The host key is generated at start (in memory): clients must not pin it (stock agents get
``-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null``). Echo only when the client asked for a pty.
"""

from __future__ import annotations

from typing import Any

import asyncssh

from emulators.base.host import DeviceHost
from emulators.base.session_driver import SessionDriver


class _Auth(asyncssh.SSHServer):
    def __init__(self, device: DeviceHost) -> None:
        self.device = device

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self.device.model.faults.refuse_login():
            return False
        return self.device.model.check_login(username, password)

    def session_requested(self) -> _Shell:
        return _Shell(self.device)


class _Shell(asyncssh.SSHServerSession):  # type: ignore[misc]
    def __init__(self, device: DeviceHost) -> None:
        self.device = device
        self.chan: Any = None
        self.pty = False
        self.driver: SessionDriver | None = None

    def connection_made(self, chan: Any) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: Any, term_modes: Any) -> bool:
        self.pty = True
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False  # a power switch has a shell, not a command runner

    def session_started(self) -> None:
        user = self.chan.get_extra_info("username")
        self.driver = SessionDriver(self.device, self, "ssh", echo=self.pty, user=user)
        self.driver.start()

    def data_received(self, data: str, datatype: Any) -> None:
        if self.driver is not None:
            self.driver.data_received(data)

    def eof_received(self) -> bool:
        if self.driver is not None:
            self.driver.end()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.driver is not None:
            self.driver.connection_lost()

    # ClientConnection
    def write(self, text: str) -> None:
        if self.chan is not None and not self.chan.is_closing():
            self.chan.write(text)

    def close(self) -> None:
        if self.chan is not None:
            self.chan.close()


class SshFrontEnd:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._acceptor: Any = None

    async def start(self, device: DeviceHost) -> dict[str, Any]:
        key = asyncssh.generate_private_key("ssh-ed25519")
        self._acceptor = await asyncssh.create_server(
            lambda: _Auth(device),
            self.host,
            self.port,
            server_host_keys=[key],
            line_editor=False,
            encoding="utf-8",
            login_timeout=30,
        )
        port = self._acceptor.sockets[0].getsockname()[1]
        return {"ssh": port}

    async def stop(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
