"""The Redfish service as a pure function of (request, now) over the model: routing, authentication
(X-Auth-Token sessions, HTTP Basic), privileges, ETags, the headers every answer carries, DMTF errors.

``Service.handle`` never raises for a client's request: every failure is an answer with a DMTF error body.
``command_key`` names a request for the fault plan (``root``, ``systems``, ``status``, ``reset``, ``login``,
``logout``, ``accounts``, ``task``, ...) so that ``--fault hang:command=reset`` means what it says.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass

from emulators.redfish import handlers
from emulators.redfish.call import Call
from emulators.redfish.errors import RedfishError, unauthorized
from emulators.redfish.http_types import XML_TYPE, HttpRequest, HttpResponse, etag_of
from emulators.redfish.model import RedfishModel
from emulators.redfish.resources import metadata_xml

Handler = Callable[[Call], HttpResponse]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: dict[str, tuple[Handler, str]]  # method -> (handler, privilege; "" = no authentication)
    key: str  # command key for faults


def _r(pattern: str, key: str, **methods: tuple[Handler, str]) -> Route:
    return Route(re.compile(f"^{pattern}$"), dict(methods), key)


ID = "([^/]+)"
ROUTES = (
    _r("/redfish", "root", GET=(handlers.version_document, "")),
    _r("/redfish/v1", "root", GET=(handlers.root, "")),
    _r("/redfish/v1/odata", "root", GET=(handlers.odata, "")),
    _r("/redfish/v1/\\$metadata", "root", GET=(lambda c: HttpResponse(200, metadata_xml().encode(),
                                                                       content_type=XML_TYPE), "")),
    _r("/redfish/v1/Systems", "systems", GET=(handlers.systems, "Login")),
    _r(f"/redfish/v1/Systems/{ID}", "status", GET=(handlers.system, "Login")),
    _r(f"/redfish/v1/Systems/{ID}/ResetActionInfo", "status", GET=(handlers.reset_info, "Login")),
    _r(f"/redfish/v1/Systems/{ID}/Actions/ComputerSystem.Reset", "reset",
       POST=(handlers.reset, "ConfigureComponents")),
    _r("/redfish/v1/SessionService", "sessions", GET=(handlers.session_service, "Login")),
    _r("/redfish/v1/SessionService/Sessions", "login", GET=(handlers.sessions, "Login"),
       POST=(handlers.login, "")),
    _r("/redfish/v1/SessionService/Sessions/Members", "login", POST=(handlers.login, "")),
    _r(f"/redfish/v1/SessionService/Sessions/{ID}", "logout", GET=(handlers.session, "Login"),
       DELETE=(handlers.logout, "Login")),
    _r("/redfish/v1/AccountService", "accounts", GET=(handlers.account_service, "Login")),
    _r("/redfish/v1/AccountService/Accounts", "accounts", GET=(handlers.accounts, "Login"),
       POST=(handlers.create_account, "ConfigureUsers")),
    _r(f"/redfish/v1/AccountService/Accounts/{ID}", "accounts", GET=(handlers.account, "Login"),
       PATCH=(handlers.patch_account, "Login"), DELETE=(handlers.delete_account, "ConfigureUsers")),
    _r("/redfish/v1/AccountService/Roles", "accounts", GET=(handlers.roles, "Login")),
    _r(f"/redfish/v1/AccountService/Roles/{ID}", "accounts", GET=(handlers.role, "Login")),
    _r("/redfish/v1/TaskService", "task", GET=(handlers.task_service, "Login")),
    _r("/redfish/v1/TaskService/Tasks", "task", GET=(handlers.tasks, "Login")),
    _r(f"/redfish/v1/TaskService/Tasks/{ID}", "task", GET=(handlers.task, "Login")),
    _r(f"/redfish/v1/TaskService/TaskMonitors/{ID}", "task", GET=(handlers.task_monitor, "Login")),
)  # fmt: skip


def normalise(path: str) -> str:
    return path.rstrip("/") if path not in ("", "/") else "/"


def find_route(path: str) -> tuple[Route, tuple[str, ...]] | None:
    path = normalise(path)
    for route in ROUTES:
        m = route.pattern.match(path)
        if m:
            return route, m.groups()
    return None


def command_key(request: HttpRequest) -> str:
    found = find_route(request.path)
    return found[0].key if found else "other"


def allow_header(route: Route) -> str:
    methods = list(route.methods)
    if "GET" in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


def _basic_credentials(value: str) -> tuple[str, str] | None:
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def described_by(body: bytes) -> str | None:
    """The JSON schema of a payload from its @odata.type (``#ComputerSystem.v1_20_0.ComputerSystem`` ->
    ``.../ComputerSystem.v1_20_0.json``), for the Link header DSP0266 asks of GET and HEAD."""
    match = re.search(rb'"@odata.type": "#([A-Za-z]+(?:\.v[0-9_]+)?)\.', body)
    return f"http://redfish.dmtf.org/schemas/v1/{match.group(1).decode()}.json" if match else None


class Service:
    def __init__(self, model: RedfishModel) -> None:
        self.model = model

    def handle(self, request: HttpRequest, now: float) -> HttpResponse:
        try:
            response = self._dispatch(request, now)
        except RedfishError as err:
            response = HttpResponse.of_json(err.status, err.body(), err.headers)
        response.headers.append(("OData-Version", "4.0"))
        response.headers.append(("Cache-Control", "no-cache"))
        if request.method == "HEAD":
            response.body = b""
        return response

    def _dispatch(self, request: HttpRequest, now: float) -> HttpResponse:
        version = request.header("odata-version")
        if version is not None and version.strip() != "4.0":
            raise RedfishError(412, "PreconditionFailed")
        found = find_route(request.path)
        method = "GET" if request.method == "HEAD" else request.method
        if any(p.startswith("$") for p in (q.split("=", 1)[0] for q in request.query.split("&") if q)):
            raise RedfishError(501, "QueryNotSupported")  # ProtocolFeaturesSupported says: no $ queries
        public = found is not None and found[0].methods.get(method, (None, "x"))[1] == ""
        call = Call(self.model, request, now, found[1] if found else ())
        if not public:
            self._authenticate(call)
        if found is None:
            raise RedfishError(404, "ResourceNotFound", ("Resource", request.path))
        route = found[0]
        if method not in route.methods:
            raise RedfishError(405, "OperationNotAllowed", headers=[("Allow", allow_header(route))])
        handler, privilege = route.methods[method]
        if privilege and call.account is not None and not call.account.has(privilege):
            raise RedfishError(403, "InsufficientPrivilege")
        response = handler(call)
        if method == "GET":
            response.headers.append(("Allow", allow_header(route)))
            if response.status == 200 and response.content_type != XML_TYPE:
                tag = response.etag or etag_of(response.body)
                response.headers.append(("ETag", tag))
                schema = described_by(response.body)
                if schema:
                    response.headers.append(("Link", f"<{schema}>; rel=describedby"))
                if request.header("if-none-match") in (tag, "*"):
                    return HttpResponse(304, b"", response.headers, None)
        return response

    def _authenticate(self, call: Call) -> None:
        model, request = self.model, call.request
        token = request.header("x-auth-token")
        if token:
            session = model.accounts.by_token(token, call.now)
            if session is None:
                raise unauthorized(model.settings.basic_auth)
            call.account, call.session_id = session.account, session.id
            return
        header = request.header("authorization")
        if header is not None:
            if not model.settings.basic_auth:
                raise unauthorized(False, "AccessDenied", (request.path,))
            creds = _basic_credentials(header)
            account = model.accounts.check(*creds) if creds else None
            if account is None or model.faults.refuse_login():
                raise unauthorized(model.settings.basic_auth)
            call.account = account
            return
        raise unauthorized(model.settings.basic_auth)
