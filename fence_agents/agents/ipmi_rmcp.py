"""fence_ipmilan's session on the lean RMCP+ client (:mod:`fence_agents.ipmi`): the connection settings
and the mapping of the client's failures to the agent's one-line messages and exit codes.

Only ``--target`` (IPMB bridging, rare) still goes through pyghmi (:mod:`.ipmi_session`).
"""

from __future__ import annotations

from fence_agents.agents.ipmi_errors import LOGIN_PREFIX, completion_failure, login_failure, lost
from fence_agents.errors import ConnectError, DeviceTimeout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from fence_agents.ipmi.udp import UdpSession

CLOSE_WAIT = 1.0  # seconds at most for the BMC to acknowledge Close Session (a courtesy)


class IpmiTarget:
    """Where and how to log in; ``cipher`` None tries suite 17, then 3 (as does 17: it falls back)."""

    __slots__ = ("host", "port", "username", "password", "privilege", "kg", "cipher", "bridge",
                 "login_timeout", "command_timeout")  # fmt: skip

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        privilege: int,  # 1 callback .. 4 administrator
        kg: bytes | None = None,
        cipher: int | None = None,
        bridge: int | None = None,  # IPMB address to bridge to (stock --target)
        login_timeout: float = 5.0,
        command_timeout: float = 3.0,
    ) -> None:
        self.host, self.port, self.username, self.password = host, port, username, password
        self.privilege, self.kg, self.cipher, self.bridge = privilege, kg, cipher, bridge
        self.login_timeout, self.command_timeout = login_timeout, command_timeout

    @property
    def suites(self) -> tuple[int, ...]:
        return (3,) if self.cipher == 3 else (17, 3)

    def __repr__(self) -> str:  # never the password or key
        return f"IpmiTarget({self.username}@{self.host}:{self.port}, privilege={self.privilege})"


class RmcpSession:
    """One login to one BMC; ``command`` returns the response data or raises a FenceError."""

    def __init__(self, target: IpmiTarget, debug: Callable[[str], None] | None = None) -> None:
        self.target = target
        self.debug = debug
        self._udp: UdpSession | None = None

    def open(self) -> None:
        from fence_agents.ipmi.session import ClientSession, LoginRefused, NoAnswer
        from fence_agents.ipmi.udp import UdpSession, Unreachable

        t = self.target
        if self.debug:
            self.debug(
                f"IPMI login {t.username}@{t.host}:{t.port}, privilege {t.privilege}, suites {t.suites}"[:200]
            )
        core = ClientSession(t.username, t.password, t.privilege, kg=t.kg, suites=t.suites)
        try:
            udp = UdpSession(core, t.host, t.port)
        except Unreachable as err:
            raise ConnectError(f"{LOGIN_PREFIX}: {err}") from None
        try:
            udp.login(t.login_timeout)
        except NoAnswer:
            udp.close(0)
            where = f"{t.host}:{t.port}"
            raise DeviceTimeout(
                f"{LOGIN_PREFIX}: no answer from the BMC at {where} within {t.login_timeout:g} s"
            ) from None
        except LoginRefused as err:
            udp.close(0)
            raise login_failure(str(err), t.username, t.privilege) from None
        except OSError as err:
            udp.close(0)
            raise ConnectError(f"{LOGIN_PREFIX}: {err}") from None
        self._udp = udp
        if self.debug and core.suite is not None:
            self.debug(f"IPMI session up, cipher suite {core.suite.number}")

    def command(self, what: str, netfn: int, command: int, data: tuple[int, ...] = ()) -> bytes:
        """Send one request; return the response data. Non-zero completion codes raise."""
        from fence_agents.ipmi.session import NoAnswer

        t, udp = self.target, self._udp
        if udp is None:
            raise ConnectError(f"{LOGIN_PREFIX}: not logged in")
        try:
            answer = udp.request(netfn, command, bytes(data), t.command_timeout, what)
        except NoAnswer:
            raise DeviceTimeout(
                f"Connection timed out: the BMC did not answer {what} within {t.command_timeout:g} s"
            ) from None
        except OSError as err:
            raise lost(what, str(err)) from None
        if self.debug:
            self.debug(
                f"IPMI {what} (netfn {netfn:#04x} cmd {command:#04x} {bytes(data).hex() or '-'})"
                f" -> code {answer.code:#04x}, data {answer.data.hex() or '-'}"
            )
        if answer.code:
            raise completion_failure(what, answer.code, t.username, t.privilege)
        return answer.data

    def close(self) -> None:
        udp, self._udp = self._udp, None
        if udp is None:
            return
        try:
            udp.close(min(CLOSE_WAIT, self.target.command_timeout))
        except Exception as err:  # leaving is a courtesy
            if self.debug:
                self.debug(f"IPMI close session: {err}")
