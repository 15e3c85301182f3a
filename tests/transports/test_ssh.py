"""The ssh client against a small asyncssh server on 127.0.0.1: password, key, host keys, pty shell."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from fence_agents.errors import ConnectError, ConnectionLost, DeviceTimeout, LoginError
from fence_agents.secret import Secret
from fence_agents.transports.ssh import SshChannel, parse_ssh_options

from .servers import LoopThread

asyncssh = pytest.importorskip("asyncssh")
LOG = logging.getLogger("test.ssh")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An ssh host key and a user key (written with passphrase ``keypass``) for the module."""
    d = tmp_path_factory.mktemp("keys")
    host = asyncssh.generate_private_key("ssh-ed25519")
    user = asyncssh.generate_private_key("ssh-ed25519")
    user.write_private_key(str(d / "id_user"), format_name="pkcs8-pem", passphrase="keypass")
    return {"host": host, "user": user, "dir": d}


def ssh_server(keys: dict[str, Any]) -> LoopThread:
    class Server(asyncssh.SSHServer):  # type: ignore[misc]
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return username == "admin" and password == "s3cret"

        def public_key_auth_supported(self) -> bool:
            return True

        def validate_public_key(self, username: str, key: Any) -> bool:
            return key.public_data == keys["user"].export_public_key("openssh") or (
                key.export_public_key() == keys["user"].export_public_key()
            )

    async def handle(process: Any) -> None:
        term = process.get_terminal_type()
        process.stdout.write(f"term={term}\r\nNPS> ")
        try:
            while True:
                line = await process.stdin.readline()
                if not line:
                    break
                if line.strip() == "/X":
                    break
                if line.strip() in ("/hang", ""):  # the pty line editor turns our CR LF into two lines
                    continue
                process.stdout.write(f"ran {line.strip()}\r\nNPS> ")
        except Exception:  # the client went away
            pass
        process.exit(0)

    async def start():  # type: ignore[no-untyped-def]
        return await asyncssh.create_server(
            Server, "127.0.0.1", 0, server_host_keys=[keys["host"]], process_factory=handle
        )

    return LoopThread(start)


NO_CHECK = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"


def test_password_shell_with_pty(keys: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with ssh_server(keys) as srv:
        ch = SshChannel.open(
            "127.0.0.1", srv.port, 5.0, LOG, "admin", Secret("s3cret"), None, NO_CHECK, ["s3cret"]
        )
        got = ch.expect(["NPS>"], 3.0)
        assert "term=vt100" in got.before
        ch.sendline("/S")
        assert "ran /S" in ch.expect(["NPS>"], 3.0).before
        ch.sendline("/hang")
        with pytest.raises(DeviceTimeout):
            ch.expect(["NPS>"], 0.2)
        ch.sendline("/X")
        with pytest.raises(ConnectionLost):
            ch.expect(["NPS>"], 3.0)
        ch.close()
        ch.close()  # twice is harmless
    assert "s3cret" not in caplog.text


def test_wrong_password_is_login_error_fast(keys: dict[str, Any]) -> None:
    with ssh_server(keys) as srv:
        start = time.monotonic()
        with pytest.raises(LoginError):
            SshChannel.open("127.0.0.1", srv.port, 5.0, LOG, "admin", Secret("nope"), None, NO_CHECK)
        assert time.monotonic() - start < 3.0


def test_identity_file_with_passphrase(keys: dict[str, Any]) -> None:
    key = str(keys["dir"] / "id_user")
    with ssh_server(keys) as srv:
        ch = SshChannel.open("127.0.0.1", srv.port, 5.0, LOG, "admin", Secret("keypass"), key, NO_CHECK)
        ch.expect(["NPS>"], 3.0)
        ch.close()
        with pytest.raises(LoginError):
            SshChannel.open("127.0.0.1", srv.port, 5.0, LOG, "admin", Secret("wrong"), key, NO_CHECK)


def test_host_key_policy(keys: dict[str, Any], tmp_path: Path) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519")
    with ssh_server(keys) as srv:
        good = tmp_path / "good"
        good.write_text(f"[127.0.0.1]:{srv.port} {keys['host'].export_public_key().decode()}")
        bad = tmp_path / "bad"
        bad.write_text(f"[127.0.0.1]:{srv.port} {other.export_public_key().decode()}")
        empty = tmp_path / "empty"
        empty.write_text("")

        def attempt(options: str) -> None:
            SshChannel.open("127.0.0.1", srv.port, 5.0, LOG, "admin", Secret("s3cret"), None, options).close()

        attempt(f"-o UserKnownHostsFile={good}")  # listed and matching
        attempt(f"-o UserKnownHostsFile={empty}")  # unknown host accepted, as the stock agent answers yes
        with pytest.raises(ConnectError):
            attempt(f"-o UserKnownHostsFile={bad}")  # listed with another key: refused
        with pytest.raises(ConnectError):
            attempt(f"-o StrictHostKeyChecking=yes -o UserKnownHostsFile={empty}")
        attempt(f"-o StrictHostKeyChecking=no -o UserKnownHostsFile={bad}")


def test_no_server_is_connect_error() -> None:
    with pytest.raises(ConnectError):
        SshChannel.open("127.0.0.1", 1, 2.0, LOG, "admin", Secret("x"), None, NO_CHECK)


def test_parse_ssh_options() -> None:
    opts = parse_ssh_options(
        "-4 -oStrictHostKeyChecking=no -o UserKnownHostsFile /tmp/kh -o Ciphers=aes128-ctr -x"
    )
    assert opts.host_key_check == "no"
    assert opts.known_hosts == "/tmp/kh"
    assert opts.algorithms == {"encryption_algs": ["aes128-ctr"]}
    assert opts.ignored == ["-x"]
    assert parse_ssh_options("-o UserKnownHostsFile=/dev/null").host_key_check == "no"
    assert parse_ssh_options('-o "unbalanced').host_key_check == "ask"
