"""SSH transport: an asyncssh client driven synchronously through a private event loop.

The agent asks for an interactive shell with a pty (as the OpenSSH client the stock agents spawn does) and
talks to it with the shared expect loop. asyncssh is imported only when a connection is opened, so
``-o metadata`` never pays for it.

Host keys — our choice (docs/agent-api.md should carry it too):
* By default we behave like the stock agents, which answer ``yes`` to OpenSSH's "Are you sure you want to
  continue connecting" question: a host that is not in ``~/.ssh/known_hosts`` is accepted (we do not write
  the file), but a host that *is* listed must present one of the listed keys, or the login fails.
* ``--ssh-options`` is honoured where it means something here: ``StrictHostKeyChecking=no`` or
  ``UserKnownHostsFile=/dev/null`` accept any host key; ``StrictHostKeyChecking=yes`` refuses unknown hosts;
  ``UserKnownHostsFile=PATH`` reads PATH instead of ``~/.ssh/known_hosts``; ``Ciphers``, ``KexAlgorithms``,
  ``MACs`` and ``HostKeyAlgorithms`` select algorithms; ``-4``/``-6`` select the address family. Other options
  are logged and ignored.
* Password logins never try public keys or an ssh-agent (upstream passes ``-o PubkeyAuthentication=no``);
  with ``--identity-file`` the password, if any, is the key's passphrase.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fence_agents.errors import ConnectError, ConnectionLost, LoginError
from fence_agents.secret import Secret
from fence_agents.transports.expect import StreamChannel

TYPE_CHECKING = False
if TYPE_CHECKING:
    from fence_agents.log import Logger

READ_SIZE = 4096
DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"
ALGORITHM_OPTIONS = {
    "ciphers": "encryption_algs",
    "kexalgorithms": "kex_algs",
    "macs": "mac_algs",
    "hostkeyalgorithms": "server_host_key_algs",
}

T = TypeVar("T")


@dataclass
class SshOptions:
    """What we take from an OpenSSH-style ``--ssh-options`` string."""

    host_key_check: str = "ask"  # "ask" (stock behaviour), "yes" (strict) or "no" (accept anything)
    known_hosts: str = DEFAULT_KNOWN_HOSTS
    family: int = socket.AF_UNSPEC
    algorithms: dict[str, list[str]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def parse_ssh_options(text: str | None) -> SshOptions:
    """Parse ``-o Key=Value`` / ``-oKey=Value`` / ``-o Key Value`` / ``-4`` / ``-6``. Pure."""
    opts = SshOptions()
    try:
        words = shlex.split(text or "")
    except ValueError:
        words = (text or "").split()
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in ("-4", "-6"):
            opts.family = socket.AF_INET if word == "-4" else socket.AF_INET6
            continue
        if not word.startswith("-o"):
            opts.ignored.append(word)
            continue
        setting = word[2:]
        if not setting and i < len(words):
            setting, i = words[i], i + 1
        if "=" in setting:
            key, value = setting.split("=", 1)
        elif i < len(words):
            key, value, i = setting, words[i], i + 1
        else:
            key, value = setting, ""
        _apply_setting(opts, key.strip().lower(), value.strip())
    return opts


def _apply_setting(opts: SshOptions, key: str, value: str) -> None:
    if key == "stricthostkeychecking":
        word = value.lower()
        opts.host_key_check = "no" if word in ("no", "off") else "yes" if word in ("yes", "on") else "ask"
    elif key == "userknownhostsfile":
        opts.known_hosts = value.split()[0] if value else DEFAULT_KNOWN_HOSTS
        if opts.known_hosts == "/dev/null" and opts.host_key_check == "ask":
            opts.host_key_check = "no"  # nothing can ever be known: the usual "accept anything" recipe
    elif key in ALGORITHM_OPTIONS and value:
        opts.algorithms[ALGORITHM_OPTIONS[key]] = [a for a in value.lstrip("+-^").split(",") if a]
    else:
        opts.ignored.append(f"{key}={value}")


def host_is_listed(path: str, host: str, port: int) -> bool:
    """Whether a known_hosts file has a key for this host (then that key is required)."""
    import asyncssh

    full = os.path.expanduser(path)
    if not os.path.isfile(full):
        return False
    try:
        keys = asyncssh.read_known_hosts(full).match(host, "", None if port == 22 else port)
    except (OSError, ValueError, asyncssh.Error):
        return False
    return any(keys[0:2])


def known_hosts_argument(opts: SshOptions, host: str, port: int, log: Logger) -> str | None:
    """asyncssh's ``known_hosts``: None accepts any key; a path verifies against that file."""
    if opts.host_key_check == "no":
        log.debug("ssh: host key not checked (ssh_options)")
        return None
    if host_is_listed(opts.known_hosts, host, port):
        return os.path.expanduser(opts.known_hosts)
    if opts.host_key_check == "yes":
        log.debug("ssh: %s is not in %s and StrictHostKeyChecking=yes", host, opts.known_hosts)
        return os.path.expanduser(opts.known_hosts)  # asyncssh refuses the unknown key
    log.debug("ssh: %s not in %s; accepting its key as the stock agent does", host, opts.known_hosts)
    return None


class SshChannel(StreamChannel):
    """An interactive shell (with a pty) on an SSH connection. Build with :meth:`open`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, conn: Any, process: Any, log: Logger,
                 secrets: Iterable[str] = ()) -> None:  # fmt: skip
        super().__init__(log, secrets, name="ssh")
        self._loop = loop
        self._conn = conn
        self._process = process

    @classmethod
    def open(
        cls,
        host: str,
        port: int,
        timeout: float,
        log: Logger,
        username: str | None = None,
        password: Secret | None = None,
        identity_file: str | None = None,
        ssh_options: str | None = None,
        secrets: Iterable[str] = (),
    ) -> SshChannel:
        import asyncssh

        from fence_agents.logsetup import bridge_library_logs

        bridge_library_logs()  # asyncssh logs through `logging`: its records join ours, masked

        opts = parse_ssh_options(ssh_options)
        if opts.ignored:
            log.debug("ssh: ignoring ssh_options %s", opts.ignored)
        kwargs: dict[str, Any] = dict(opts.algorithms)
        kwargs["known_hosts"] = known_hosts_argument(opts, host, port, log)
        if opts.family != socket.AF_UNSPEC:
            kwargs["family"] = opts.family
        if username:
            kwargs["username"] = username
        if identity_file:
            kwargs["client_keys"] = [identity_file]
            kwargs["passphrase"] = password.reveal() if password else None
        else:
            kwargs.update(client_keys=None, agent_path=None, password=password.reveal() if password else None)
        log.debug("ssh: connecting to %s port %d as %s (timeout %.1fs)", host, port, username, timeout)

        async def start() -> tuple[Any, Any]:
            conn = await asyncssh.connect(host, port, **kwargs)
            try:
                process = await conn.create_process(term_type="vt100", term_size=(132, 50), encoding=None)
            except BaseException:
                conn.close()
                raise
            return conn, process

        loop = asyncio.new_event_loop()
        try:
            conn, process = loop.run_until_complete(asyncio.wait_for(start(), timeout))
        except (asyncssh.PermissionDenied, asyncssh.KeyImportError) as err:
            loop.close()
            log.debug("ssh: authentication failed: %s", err)
            raise LoginError() from None
        except (OSError, asyncssh.Error, TimeoutError) as err:
            loop.close()
            log.debug("ssh: cannot connect: %s", err or "timed out")
            raise ConnectError() from None
        return cls(loop, conn, process, log, secrets)

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return self._loop.run_until_complete(asyncio.wait_for(coro, timeout))

    def _write(self, data: bytes) -> None:
        try:
            self._process.stdin.write(data)
            self._run(self._process.stdin.drain(), 5.0)
        except (OSError, TimeoutError, BrokenPipeError):
            raise ConnectionLost() from None
        except Exception as err:  # asyncssh raises its own ChannelClosed/DisconnectError types
            self.log.debug("ssh: write failed: %s", err)
            raise ConnectionLost() from None

    def _read(self, timeout: float) -> bytes | None:
        try:
            data = self._run(self._process.stdout.read(READ_SIZE), max(timeout, 0.001))
        except TimeoutError:
            return b""
        except Exception as err:  # a dropped connection surfaces as an asyncssh error
            self.log.debug("ssh: read failed: %s", err)
            return None
        return data if data else None

    def _close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._process.close()
            self._conn.close()
            self._run(self._conn.wait_closed(), 1.0)
        except Exception as err:  # closing a dead connection must never fail the agent
            self.log.debug("ssh: close: %s", err)
        finally:
            self._loop.close()
