"""fence_redfish's device: discovery, login (session or Basic), PowerState, Reset, logout.

One kept-alive HTTPS connection per run (:mod:`fence_agents.agents.redfish_http`). Login reads the
service root (no credentials), opens an X-Auth-Token session when the root links one (POST
``Links.Sessions``), else uses HTTP Basic, and finds the systems.
Logout deletes the session, also when the action failed or SIGTERM ends the run. The reset's answer is
checked: a refusal is one error line naming the BMC's message, not a power timeout.
"""

from __future__ import annotations

import signal

from fence_agents.agents import redfish_rules as rules
from fence_agents.agents.redfish_http import RedfishHttp, Reply
from fence_agents.device import Device, PowerState
from fence_agents.errors import DeviceError, FenceError, LoginError, NotSupported, PlugNotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from fence_agents.log import Logger

LOGIN_FAILED = "Unable to connect/login to fencing device"


class Terminated(FenceError):
    default_message = "Failed: Terminated (SIGTERM) before the action finished"


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (Pacemaker's timeout, fenced giving up) while a session is open: unwind, so that logout
    deletes the session. iDRACs lock clients out for many minutes once leaked sessions reach the limit."""
    raise Terminated()


FALLBACK_TO_BASIC = (404, 405, 501, 503)  # no usable SessionService: Basic may still work


class RedfishDevice(Device):
    def __init__(self, http: RedfishHttp, redfish_uri: str, systems_uri: str | None, log: Logger) -> None:
        self.http = http
        self.redfish_uri = redfish_uri or "/redfish/v1"
        self.systems_uri = systems_uri or None
        self.log = log
        self.session_uri: str | None = None
        self.collection_uri: str | None = None
        self.members: list[str] | None = None
        self.documents: dict[str, dict[str, Any]] = {}  # system URI -> last document read
        self.resolved: dict[str | None, str] = {}
        self.wanted: PowerState | None = None
        self._saved_sigterm: Any = None
        self._logging_in = False
        self._term_pending = False

    # -- login and logout ----------------------------------------------------------------------------------
    def login(self) -> None:
        reply, root = self.http.get_json(self.redfish_uri, auth=False)
        if reply.status in (401, 403):  # a service that wants credentials even for its root
            reply, root = self.http.get_json(self.redfish_uri)
        self._expect(reply, self.redfish_uri, login=True)
        sessions = ((root.get("Links") or {}).get("Sessions") or {}).get("@odata.id")
        if isinstance(sessions, str) and sessions:
            self._open_session_deferring_sigterm(sessions)
        try:
            if self.systems_uri is None:
                systems = (root.get("Systems") or {}).get("@odata.id")
                if not isinstance(systems, str):
                    raise DeviceError(
                        f"Failed: {self.http.url(self.redfish_uri)} lists no Systems collection"
                    )
                self.collection_uri = systems
        except BaseException:
            self.logout()
            raise

    def _open_session_deferring_sigterm(self, uri: str) -> None:
        """A SIGTERM while the login is under way waits until the session (if any) is known, then unwinds
        so that logout can delete it; from then on until logout it unwinds at once."""
        self._logging_in, self._term_pending = True, False
        self._saved_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            self._open_session(uri)
        finally:
            self._logging_in = False
            if self.session_uri is None:  # no session to protect: the default action again
                signal.signal(signal.SIGTERM, self._saved_sigterm)
                self._saved_sigterm = None
        if self._term_pending:
            self.logout()
            raise Terminated()

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        if self._logging_in:
            self._term_pending = True
            return
        _terminated(signum, frame)

    def _open_session(self, uri: str) -> None:
        s = self.http.settings
        reply = self.http.request("POST", uri, {"UserName": s.username, "Password": s.password}, auth=False)
        if reply.status in (401, 403):
            raise LoginError(f"{LOGIN_FAILED} ({rules.error_detail(reply.status, reply.body)})")
        token = reply.header("x-auth-token")
        if reply.status in (200, 201) and token:
            self.http.token = token
            location = reply.header("location") or (reply.body or {}).get("@odata.id")
            self.session_uri = str(location) if location else None
            self.log.debug("Session opened: %s", self.session_uri)
            return
        if reply.status in FALLBACK_TO_BASIC or 200 <= reply.status < 300:
            self.log.warning(
                "No session from %s (%s): using HTTP Basic", uri, rules.error_detail(reply.status, reply.body)
            )
            return
        raise LoginError(f"{LOGIN_FAILED} ({rules.error_detail(reply.status, reply.body)})")

    def logout(self) -> None:
        uri, self.session_uri = self.session_uri, None
        try:
            if uri is not None and self.http.token:
                reply = self.http.request("DELETE", uri)
                self.log.debug("Session closed: HTTP %d", reply.status)
        except Exception as err:  # noqa: BLE001 - the action's result stands
            self.log.debug("Closing the session failed: %s", err)
        finally:
            self.http.token = None
            self.http.close()
            if self._saved_sigterm is not None:
                signal.signal(signal.SIGTERM, self._saved_sigterm)
                self._saved_sigterm = None

    # -- which system ----------------------------------------------------------------------------------------
    def _members(self) -> list[str]:
        if self.members is None:
            assert self.collection_uri is not None
            reply, collection = self.http.get_json(self.collection_uri)
            self._expect(reply, self.collection_uri)
            self.members = rules.member_uris(collection)
            if not self.members:
                raise DeviceError(f"Failed: No systems in {self.http.url(self.collection_uri)}")
        return self.members

    def system_uri(self, plug: str | None) -> str:
        if plug in self.resolved:
            return self.resolved[plug]
        if self.systems_uri is not None:
            if plug is not None:
                self.log.debug("Plug %r ignored: --systems-uri names the system", plug)
            uri = self.systems_uri
        elif plug is None:
            uri = self._default_member()
        else:
            uri = self._member_for(plug)
        self.resolved[plug] = uri
        return uri

    def _default_member(self) -> str:
        members = self._members()
        if len(members) > 1:  # the stock agent's choice, kept so its configurations fence the same machine
            self.log.warning(
                "%d systems at %s: using the last, %s (name one with --plug or --systems-uri)",
                len(members), self.collection_uri, members[-1],
            )  # fmt: skip
        return members[-1]

    def _member_for(self, plug: str) -> str:
        members = self._members()
        found = rules.match_by_uri(plug, members)
        if found is None:
            for uri in members:
                if rules.matches_document(plug, self._read(uri)):
                    found = uri
                    break
        if found is None and len(members) == 1:
            self.log.debug("Plug %r names no system; the service has one: %s", plug, members[0])
            return members[0]
        if found is None:
            names = ", ".join(rules.last_segment(m) for m in members)
            raise PlugNotFound(
                f"Failed: No system '{plug}' among the systems at {self.collection_uri} ({names})"
            )
        return found

    # -- power -----------------------------------------------------------------------------------------------
    def _read(self, uri: str) -> dict[str, Any]:
        reply, doc = self.http.get_json(uri)
        if reply.status == 404:
            raise DeviceError(
                f"Unable to get PowerState: {self.http.url(uri)} ({rules.error_detail(404, reply.body)})"
            )
        self._expect(reply, uri)
        self.documents[uri] = doc
        return doc

    def get_power(self, plug: str | None) -> PowerState:
        uri = self.system_uri(plug)
        doc = self._read(uri)
        state = rules.power_state(doc.get("PowerState"), self.wanted)
        if state is PowerState.UNKNOWN:
            raise DeviceError(f"Unable to get PowerState: {self.http.url(uri)}")
        self.log.debug("PowerState is: %s", doc.get("PowerState"))
        return state

    def set_power(self, plug: str | None, state: PowerState) -> None:
        self.wanted = state
        self._reset(plug, "on" if state is PowerState.ON else "off")

    def cycle(self, plug: str | None) -> None:
        try:
            self._reset(plug, "cycle")
        except rules.NoResetType:
            raise NotSupported("cycle") from None

    def diag(self, plug: str | None) -> None:
        try:
            self._reset(plug, "diag")
        except rules.NoResetType as err:
            raise DeviceError(f"Failed: {err}") from None

    def _reset(self, plug: str | None, operation: str) -> None:
        uri = self.system_uri(plug)
        doc = self.documents.get(uri) or self._read(uri)
        allowed = rules.allowable_values(doc)
        info_uri = ((doc.get("Actions") or {}).get(rules.RESET_ACTION) or {}).get("@Redfish.ActionInfo")
        if allowed is None and isinstance(info_uri, str):
            reply, info = self.http.get_json(info_uri)
            allowed = rules.allowable_values(doc, info) if reply.status == 200 else None
        try:
            kind = rules.choose_reset(operation, allowed)
        except rules.NoResetType as err:
            if operation == "cycle":
                self.log.info("No power cycle reset type: %s", err)
                raise
            raise DeviceError(f"Failed: {err}") from None
        target = rules.reset_target(doc)
        if target is None:
            raise DeviceError(f"Failed: {self.http.url(uri)} has no #ComputerSystem.Reset action")
        reply = self.http.request("POST", target, {"ResetType": kind})
        if reply.status in (401, 403) or not 200 <= reply.status < 300:
            raise DeviceError(
                f"Failed: The BMC refused {kind}: {rules.error_detail(reply.status, reply.body)}"
            )
        if reply.status == 202:
            self.log.debug("Reset %s accepted as a task: %s", kind, reply.header("location"))
        self.documents.pop(uri, None)

    def list_plugs(self) -> dict[str, str]:
        out: dict[str, str] = {}
        uris = [self.systems_uri] if self.systems_uri else self._members()
        for uri in uris:
            doc = self._read(uri)
            out[str(doc.get("Id") or rules.last_segment(uri))] = str(doc.get("Name") or "")
        return out

    def list_status(self) -> dict[str, tuple[str, PowerState]]:
        out: dict[str, tuple[str, PowerState]] = {}
        for plug, alias in self.list_plugs().items():
            out[plug] = (alias, self.get_power(plug))
        return out

    # -- answers ---------------------------------------------------------------------------------------------
    def _expect(self, reply: Reply, uri: str, login: bool = False) -> None:
        if 200 <= reply.status < 300:
            return
        detail = rules.error_detail(reply.status, reply.body)
        if reply.status in (401, 403):
            raise LoginError(f"{LOGIN_FAILED} ({detail})")
        raise DeviceError(f"Failed: {self.http.url(uri)}: {detail}")
