"""fence_ipmilan's pyghmi session, kept for ``--target`` (IPMB bridging) only: every other run uses the
lean client (:mod:`.ipmi_rmcp`). A synchronous session on pyghmi, with hard deadlines on every call.

pyghmi is imported here only, and this module only when an agent connects: ``-o metadata`` never pays for
it. We use pyghmi's session layer directly (``raw_command``), not ``Command``: that skips the OEM
detection round trips and ~70 ms of imports. pyghmi gives up on a silent BMC only after ~4.6 s and
some of its waits have no limit at all, so each call runs on a daemon thread joined with the caller's
deadline (``login_timeout`` for the login, ``shell_timeout`` per command).

pyghmi 1.6 loses wake-ups: a reply that lands between sending a request and registering the waiter is
only noticed when the retransmit timer fires, 0.5-1 s later (about 1 request in 100 here). We wrap its
``_io_wait`` so that it never sleeps while a packet is queued and sleeps in short slices otherwise.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fence_agents.agents.ipmi_errors import LOGIN_PREFIX, completion_failure, login_failure, lost
from fence_agents.agents.ipmi_rmcp import IpmiTarget
from fence_agents.errors import ConnectError, DeviceTimeout

T = TypeVar("T")
log = logging.getLogger("fence_agents")

WAIT_SLICE = 0.005  # seconds; bounds the cost of pyghmi's lost wake-ups
NETFN_CHASSIS = 0x00
CMD_GET_CHASSIS_STATUS = 0x01
CMD_CHASSIS_CONTROL = 0x02


def _bounded(fn: Callable[[], T], timeout: float, on_timeout: Callable[[], Exception]) -> T:
    """Run ``fn`` on a daemon thread; raise ``on_timeout()`` if it has not finished within ``timeout``."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as err:  # handed to the caller's thread
            box["error"] = err

    worker = threading.Thread(target=work, name="ipmi", daemon=True)
    worker.start()
    worker.join(timeout if timeout > 0 else None)
    if worker.is_alive():
        raise on_timeout()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class IpmiSession:
    """One login to one BMC; ``command`` returns the response data or raises a FenceError."""

    def __init__(self, target: IpmiTarget) -> None:
        self.target = target
        self._session: Any = None

    def open(self) -> None:
        t = self.target
        log.debug("IPMI login %s@%s:%d privilege %d", t.username, t.host, t.port, t.privilege)
        try:
            self._session = _bounded(
                self._login, t.login_timeout, lambda: DeviceTimeout(self._no_answer(t.login_timeout))
            )
        except (DeviceTimeout, ConnectError):
            raise
        except Exception as err:
            reason = str(err)
            if reason in ("", "None"):  # pyghmi gave up on a silent BMC without saying so
                raise ConnectError(f"{LOGIN_PREFIX}: no answer from the BMC at {t.host}:{t.port}") from None
            raise login_failure(reason, t.username, t.privilege) from None

    def _no_answer(self, seconds: float) -> str:
        t = self.target
        return f"{LOGIN_PREFIX}: no answer from the BMC at {t.host}:{t.port} within {seconds:g} s"

    def _login(self) -> Any:
        import socket

        from pyghmi.ipmi.private import session as ipmisession

        _patch_lost_wakeups(ipmisession)
        t = self.target
        try:
            socket.getaddrinfo(t.host, t.port, 0, socket.SOCK_DGRAM)
        except OSError as err:
            raise ConnectError(f"{LOGIN_PREFIX}: cannot resolve {t.host}: {err}") from None
        cls = _suite3_session_class(ipmisession) if t.cipher == 3 else ipmisession.Session
        return cls(
            bmc=t.host,
            userid=t.username,
            password=t.password,
            port=t.port,
            kg=t.kg,
            privlevel=t.privilege,
            keepalive=False,
        )

    def command(self, what: str, netfn: int, command: int, data: tuple[int, ...] = ()) -> bytes:
        """Send one request; return the response data. Non-zero completion codes raise."""
        t = self.target
        bridge = {"addr": t.bridge, "channel": 0} if t.bridge is not None else None
        session = self._session
        if session is None:
            raise ConnectError(f"{LOGIN_PREFIX}: not logged in")

        def call() -> Any:
            return session.raw_command(netfn=netfn, command=command, data=data, bridge_request=bridge)

        def too_slow() -> Exception:
            return DeviceTimeout(
                f"Connection timed out: the BMC did not answer {what} within {t.command_timeout:g} s"
            )

        try:
            response = _bounded(call, t.command_timeout, too_slow)
        except DeviceTimeout:
            raise
        except Exception as err:
            raise lost(what, str(err)) from None
        if not isinstance(response, dict):
            raise lost(what, "no response")
        code = int(response.get("code", 0) or 0)
        answer = bytes(response.get("data", b"")).hex() or "-"
        log.debug("IPMI %s (netfn %#04x cmd %#04x %s) -> code %#04x, data %s",
                  what, netfn, command, bytes(data).hex() or "-", code, answer)  # fmt: skip
        if code == 0xFFFF or (code == 0 and "error" in response):
            raise lost(what, str(response.get("error", "timeout")))
        if code:
            raise completion_failure(what, code, t.username, t.privilege)
        return bytes(response.get("data", b""))

    def close(self) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            _bounded(session.logout, min(1.0, self.target.command_timeout), lambda: TimeoutError("logout"))
        except Exception as err:  # leaving is a courtesy
            log.debug("IPMI logout: %s", err)


def _patch_lost_wakeups(ipmisession: Any) -> None:
    original = ipmisession._io_wait
    if getattr(original, "fencelab_sliced", False):
        return

    def queued(myaddr: Any) -> bool:
        if myaddr is None:
            return bool(ipmisession.sessionqueue)
        handlers = ipmisession.Session.bmc_handlers.get(myaddr) or {}
        return any(getattr(session, "pktqueue", None) for session in handlers.values())

    def io_wait(timeout: float, myaddr: Any = None, evq: Any = None) -> None:
        if queued(myaddr):
            return  # a packet already arrived: process it instead of waiting for a wake-up that passed
        original(min(timeout, WAIT_SLICE), myaddr, evq)

    io_wait.fencelab_sliced = True  # type: ignore[attr-defined]
    ipmisession._io_wait = io_wait


_SUITE3: dict[str, type] = {}


def _suite3_session_class(ipmisession: Any) -> type:
    """A pyghmi Session that proposes cipher suite 3 only (``--cipher 3``), instead of 17 first."""
    if "cls" not in _SUITE3:

        class Suite3Session(ipmisession.Session):  # type: ignore[misc,name-defined]
            def _initsession(self) -> None:
                super()._initsession()
                self.attemptedhash = 1  # pyghmi's marker for SHA-1 (suite 3)

        _SUITE3["cls"] = Suite3Session
    return _SUITE3["cls"]
