"""The Redfish service's pure core: routing, auth, roles, errors, ETags, power timing (no sockets)."""

from __future__ import annotations

import base64
import json
from typing import Any

from emulators.base.faults import FaultPlan, parse_fault
from emulators.redfish.config import settings_from
from emulators.redfish.http_types import HttpRequest, HttpResponse
from emulators.redfish.model import RedfishModel
from emulators.redfish.service import Service

RESET = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"


def service(faults: tuple[str, ...] = (), **config: Any) -> Service:
    settings, plan, _, _ = settings_from(dict(config), "test", faults)
    return Service(RedfishModel(settings, plan))


def basic(user: str = "admin", password: str = "password") -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def call(
    svc: Service, method: str, path: str, body: Any = None, now: float = 0.0, **headers: str
) -> HttpResponse:
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return svc.handle(
        HttpRequest(method, path, {k.replace("_", "-"): v for k, v in headers.items()}, data), now
    )


def doc(response: HttpResponse) -> Any:
    return json.loads(response.body)


def message_id(response: HttpResponse) -> str:
    error = doc(response)["error"]
    assert error["@Message.ExtendedInfo"], error
    return str(error["code"]).rsplit(".", 1)[1]


def test_root_needs_no_auth_and_every_answer_has_odata_version() -> None:
    svc = service()
    for path in ("/redfish/v1/", "/redfish/v1", "/redfish", "/redfish/v1/odata", "/redfish/v1/$metadata"):
        r = call(svc, "GET", path)
        assert r.status == 200, path
        assert r.header("OData-Version") == "4.0"
    root = doc(call(svc, "GET", "/redfish/v1/"))
    assert root["Links"]["Sessions"]["@odata.id"] == "/redfish/v1/SessionService/Sessions"
    assert root["Systems"]["@odata.id"] == "/redfish/v1/Systems"


def test_systems_need_auth_and_401_names_basic() -> None:
    svc = service()
    r = call(svc, "GET", "/redfish/v1/Systems")
    assert (
        r.status == 401
        and r.header(
            "WWW-Authenticate",
        )
        == 'Basic realm="fencelab"'
    )
    assert message_id(r) == "NoValidSession"
    assert call(svc, "GET", "/redfish/v1/Systems", **basic("admin", "wrong")).status == 401
    members = doc(call(svc, "GET", "/redfish/v1/Systems", **basic()))["Members"]
    assert members == [{"@odata.id": "/redfish/v1/Systems/1"}]


def test_reset_types_allowable_values_and_errors() -> None:
    svc = service(reset_types=["On", "ForceOff"])
    system = doc(call(svc, "GET", "/redfish/v1/Systems/1", **basic()))
    assert system["Actions"]["#ComputerSystem.Reset"]["ResetType@Redfish.AllowableValues"] == [
        "On",
        "ForceOff",
    ]
    r = call(svc, "POST", RESET, {"ResetType": "ForceRestart"}, **basic())
    assert (r.status, message_id(r)) == (400, "ActionParameterValueNotInList")
    r = call(svc, "POST", RESET, {}, **basic())
    assert (r.status, message_id(r)) == (400, "ActionParameterMissing")
    r = call(svc, "POST", RESET, b"{not json", **basic())
    assert (r.status, message_id(r)) == (400, "MalformedJSON")
    assert call(svc, "POST", RESET, {"ResetType": "ForceOff"}, **basic()).status == 204
    assert doc(call(svc, "GET", "/redfish/v1/Systems/1", **basic()))["PowerState"] == "Off"


def test_powering_on_lasts_the_configured_delay() -> None:
    svc = service(power_on_delay=5.0, systems=[{"id": "a", "powered": False}])
    path = "/redfish/v1/Systems/a"
    assert (
        call(svc, "POST", path + "/Actions/ComputerSystem.Reset", {"ResetType": "On"}, 10.0, **basic()).status
        == 204
    )
    assert doc(call(svc, "GET", path, None, 14.9, **basic()))["PowerState"] == "PoweringOn"
    assert doc(call(svc, "GET", path, None, 15.0, **basic()))["PowerState"] == "On"


def test_lagging_profile_reports_the_old_state() -> None:
    svc = service(profile="lagging")
    call(svc, "POST", RESET, {"ResetType": "ForceOff"}, 1.0, **basic())
    assert doc(call(svc, "GET", "/redfish/v1/Systems/1", None, 2.0, **basic()))["PowerState"] == "On"
    assert doc(call(svc, "GET", "/redfish/v1/Systems/1", None, 3.0, **basic()))["PowerState"] == "Off"


def test_ilo_refuses_a_reset_of_an_off_system() -> None:
    svc = service(profile="ilo", systems=[{"id": "1", "powered": False}])
    r = call(svc, "POST", RESET, {"ResetType": "ForceRestart"}, **basic())
    assert (r.status, message_id(r)) == (400, "InvalidOperationForSystemState")
    assert call(svc, "POST", RESET, {"ResetType": "On"}, **basic()).status == 204


def test_roles_readonly_reset_is_403_operator_may_reset() -> None:
    svc = service()
    r = call(svc, "POST", RESET, {"ResetType": "ForceOff"}, **basic("readonly", "readonly"))
    assert (r.status, message_id(r)) == (403, "InsufficientPrivilege")
    assert call(svc, "GET", "/redfish/v1/Systems/1", **basic("readonly", "readonly")).status == 200
    assert call(svc, "POST", RESET, {"ResetType": "ForceOff"}, **basic("operator", "operator")).status == 204


def test_sessions_login_token_logout_and_limit() -> None:
    svc = service(session_limit=2)
    login = call(
        svc, "POST", "/redfish/v1/SessionService/Sessions", {"UserName": "admin", "Password": "password"}
    )
    assert login.status == 201
    token, location = login.header("X-Auth-Token"), login.header("Location")
    assert token and location == doc(login)["@odata.id"]
    assert call(svc, "GET", "/redfish/v1/Systems", x_auth_token=token).status == 200
    bad = call(svc, "POST", "/redfish/v1/SessionService/Sessions", {"UserName": "admin", "Password": "x"})
    assert bad.status == 401
    call(svc, "POST", "/redfish/v1/SessionService/Sessions", {"UserName": "admin", "Password": "password"})
    full = call(
        svc, "POST", "/redfish/v1/SessionService/Sessions", {"UserName": "admin", "Password": "password"}
    )
    assert (full.status, message_id(full)) == (503, "SessionLimitExceeded")
    assert call(svc, "DELETE", location or "", x_auth_token=token).status == 204
    assert call(svc, "GET", "/redfish/v1/Systems", x_auth_token=token).status == 401


def test_idrac_session_limit_and_idrac10_basic_off() -> None:
    svc = service(profile="idrac", session_limit=1)
    body = {"UserName": "admin", "Password": "password"}
    assert call(svc, "POST", "/redfish/v1/SessionService/Sessions", body).status == 201
    full = call(svc, "POST", "/redfish/v1/SessionService/Sessions", body)
    assert full.status == 503 and doc(full)["error"]["code"] == "IDRAC.2.8.RAC0218"
    assert doc(call(svc, "GET", "/redfish/v1/Systems", **basic()))["Members"][0]["@odata.id"].endswith(
        "System.Embedded.1"
    )
    off = service(profile="idrac10")
    r = call(off, "GET", "/redfish/v1/Systems", **basic())
    assert (r.status, message_id(r)) == (401, "AccessDenied")
    assert r.header("WWW-Authenticate") is None


def test_405_carries_allow_and_etags_work() -> None:
    svc = service()
    r = call(svc, "DELETE", "/redfish/v1/Systems/1", **basic())
    assert (r.status, r.header("Allow")) == (405, "GET, HEAD")
    first = call(svc, "GET", "/redfish/v1/AccountService/Accounts/1", **basic())
    tag = first.header("ETag") or ""
    assert tag.startswith('W/"')
    assert (
        call(svc, "GET", "/redfish/v1/AccountService/Accounts/1", if_none_match=tag, **basic()).status == 304
    )
    stale = call(
        svc, "PATCH", "/redfish/v1/AccountService/Accounts/1", {"Password": "n"}, if_match='W/"0"', **basic()
    )
    assert (stale.status, message_id(stale)) == (412, "PreconditionFailed")
    assert call(svc, "GET", "/redfish/v1/Nope", **basic()).status == 404


def test_reset_202_task_monitor_until_done() -> None:
    svc = service(reset_response=202, power_off_delay=3.0)
    r = call(svc, "POST", RESET, {"ResetType": "ForceOff"}, 0.0, **basic())
    monitor = r.header("Location") or ""
    assert r.status == 202 and monitor.startswith("/redfish/v1/TaskService/TaskMonitors/")
    assert call(svc, "GET", monitor, None, 1.0, **basic()).status == 202
    done = call(svc, "GET", monitor, None, 3.5, **basic())
    assert done.status == 200 and doc(done)["TaskState"] == "Completed"


def test_faults_lie_and_stuck() -> None:
    svc = service(faults=("lie:plugs=1,state=on", "stuck"))
    assert call(svc, "POST", RESET, {"ResetType": "ForceOff"}, **basic()).status == 204
    model = svc.model
    assert model.systems["1"].powered  # stuck: the BMC said yes, nothing moved
    model.faults = FaultPlan([parse_fault("lie:plugs=1,state=off")])
    assert doc(call(svc, "GET", "/redfish/v1/Systems/1", **basic()))["PowerState"] == "Off"
