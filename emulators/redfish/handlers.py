"""The handlers behind each route of :mod:`emulators.redfish.service`. Pure: model state in, HttpResponse out;
client mistakes are raised as :class:`~emulators.redfish.errors.RedfishError`.
"""

from __future__ import annotations

from typing import Any

from emulators.redfish import resources as res
from emulators.redfish.accounts import ROLE_PRIVILEGES, Account
from emulators.redfish.call import Call
from emulators.redfish.errors import RedfishError, message, unauthorized
from emulators.redfish.http_types import HttpResponse, etag_of
from emulators.redfish.model import TaskMonitor
from emulators.redfish.power import ALL_RESET_TYPES, ResetRefused

RESET_ACTION = "ComputerSystem.Reset"


def ok(doc: Any) -> HttpResponse:
    return HttpResponse.of_json(200, doc)


def _not_found(kind: str, name: str) -> RedfishError:
    return RedfishError(404, "ResourceNotFound", (kind, name))


def _json_object(call: Call) -> dict[str, Any]:
    try:
        body = call.request.json()
    except (ValueError, UnicodeDecodeError):
        raise RedfishError(400, "MalformedJSON") from None
    if not isinstance(body, dict):
        raise RedfishError(400, "MalformedJSON")
    return body


# -- public documents ------------------------------------------------------------------------------
def version_document(call: Call) -> HttpResponse:
    return ok({"v1": "/redfish/v1/"})


def root(call: Call) -> HttpResponse:
    return ok(res.service_root(call.model))


def odata(call: Call) -> HttpResponse:
    return ok(res.odata_service_document())


# -- systems ---------------------------------------------------------------------------------------
def systems(call: Call) -> HttpResponse:
    return ok(res.systems(call.model))


def _system_id(call: Call) -> str:
    sid = call.params[0]
    if sid not in call.model.systems:
        raise _not_found("ComputerSystem", sid)
    return sid


def system(call: Call) -> HttpResponse:
    return ok(res.system(call.model, _system_id(call), call.now))


def reset_info(call: Call) -> HttpResponse:
    return ok(res.reset_action_info(call.model, _system_id(call)))


def reset(call: Call) -> HttpResponse:
    model, sid = call.model, _system_id(call)
    body = _json_object(call)
    unknown = sorted(set(body) - {"ResetType"})
    if unknown:
        raise RedfishError(400, "ActionParameterUnknown", (RESET_ACTION, unknown[0]))
    if "ResetType" not in body:
        raise RedfishError(400, "ActionParameterMissing", (RESET_ACTION, "ResetType"))
    kind = body["ResetType"]
    if not isinstance(kind, str):
        raise RedfishError(400, "ActionParameterValueFormatError", (str(kind), "ResetType", RESET_ACTION))
    if kind not in model.settings.reset_types or kind not in ALL_RESET_TYPES:
        raise RedfishError(400, "ActionParameterValueNotInList", (kind, "ResetType", RESET_ACTION))
    power = model.systems[sid]
    power.stuck = model.faults.is_stuck(sid)
    try:
        power.reset(kind, call.now)
    except ResetRefused as err:
        raise RedfishError(400, "InvalidOperationForSystemState", (err.reset_type, err.state)) from None
    status = model.settings.reset_response
    if status == 202:
        task = TaskMonitor(str(len(model.tasks) + 1), sid, kind, call.now)
        model.tasks[task.id] = task
        headers = [("Location", f"{res.TASK_MONITORS}/{task.id}"), ("Retry-After", "1")]
        return HttpResponse.of_json(202, res.task(task), headers)
    if status == 200:
        return ok({"@Message.ExtendedInfo": [message("Success")]})
    return HttpResponse(204, b"", [], None)


# -- tasks -----------------------------------------------------------------------------------------
def task_service(call: Call) -> HttpResponse:
    return ok(res.task_service(call.model))


def tasks(call: Call) -> HttpResponse:
    return ok(res.tasks(call.model))


def _task(call: Call) -> TaskMonitor:
    task = call.model.tasks.get(call.params[0])
    if task is None:
        raise _not_found("Task", call.params[0])
    if not task.done and not call.model.systems[task.system].busy(call.now):
        task.done = True
    return task


def task(call: Call) -> HttpResponse:
    return ok(res.task(_task(call)))


def task_monitor(call: Call) -> HttpResponse:
    """202 while the reset's power transition runs, then the action's result (200 and the Task)."""
    t = _task(call)
    if not t.done:
        return HttpResponse.of_json(202, res.task(t), [("Retry-After", "1")])
    return ok(res.task(t))


# -- sessions --------------------------------------------------------------------------------------
def session_service(call: Call) -> HttpResponse:
    if not call.model.settings.sessions:
        raise _not_found("SessionService", "SessionService")
    return ok(res.session_service(call.model))


def sessions(call: Call) -> HttpResponse:
    if not call.model.settings.sessions:
        raise _not_found("SessionCollection", "Sessions")
    return ok(res.sessions(call.model))


def login(call: Call) -> HttpResponse:
    model = call.model
    if not model.settings.sessions:
        raise RedfishError(405, "OperationNotAllowed", headers=[("Allow", "GET, HEAD")])
    body = _json_object(call)
    for key in ("UserName", "Password"):
        if not isinstance(body.get(key), str):
            raise RedfishError(400, "PropertyMissing", (key,))
    account = model.accounts.check(body["UserName"], body["Password"])
    if account is None or model.faults.refuse_login():
        raise unauthorized(model.settings.basic_auth)
    if model.accounts.full(call.now):
        if model.settings.session_limit_message == "RAC0218":
            raise RedfishError(503, "RAC0218", registry="IDRAC.2.8", headers=[("Retry-After", "60")],
                               text="The maximum number of user sessions is reached.")  # fmt: skip
        raise RedfishError(503, "SessionLimitExceeded", headers=[("Retry-After", "60")])
    session = model.accounts.open(account, call.now)
    doc = res.session(session)
    headers = [("X-Auth-Token", session.token), ("Location", doc["@odata.id"])]
    return HttpResponse.of_json(201, doc, headers)


def _session_id(call: Call) -> str:
    sid = call.params[0]
    if sid not in call.model.accounts.sessions:
        raise _not_found("Session", sid)
    return sid


def session(call: Call) -> HttpResponse:
    sid = _session_id(call)
    own = call.session_id == sid
    if not own and call.account is not None and not call.account.has("ConfigureManager"):
        raise RedfishError(403, "InsufficientPrivilege")
    return ok(res.session(call.model.accounts.sessions[sid]))


def logout(call: Call) -> HttpResponse:
    sid = _session_id(call)
    target = call.model.accounts.sessions[sid]
    mine = call.session_id == sid or (call.account is not None and target.account is call.account)
    if not mine and call.account is not None and not call.account.has("ConfigureManager"):
        raise RedfishError(403, "InsufficientPrivilege")
    call.model.accounts.close(sid)
    return HttpResponse(204, b"", [], None)


# -- accounts and roles ----------------------------------------------------------------------------
def account_service(call: Call) -> HttpResponse:
    return ok(res.account_service(call.model))


def accounts(call: Call) -> HttpResponse:
    return ok(res.accounts(call.model))


def _account(call: Call) -> Account:
    found = call.model.accounts.accounts.get(call.params[0])
    if found is None:
        raise _not_found("ManagerAccount", call.params[0])
    return found


def account_etag(target: Account) -> str:
    return etag_of(HttpResponse.of_json(200, res.account(target)).body)


def account_answer(target: Account) -> HttpResponse:
    """The account with ``@odata.etag`` in the payload, equal to its ETag header."""
    tag = account_etag(target)
    answer = ok({**res.account(target), "@odata.etag": tag})
    answer.etag = tag
    return answer


def account(call: Call) -> HttpResponse:
    target = _account(call)
    if target is not call.account and call.account is not None and not call.account.has("ConfigureUsers"):
        raise RedfishError(403, "InsufficientPrivilege")
    return account_answer(target)


WRITABLE = {"UserName": str, "Password": str, "RoleId": str, "Enabled": bool, "Locked": bool}


def _check_properties(body: dict[str, Any]) -> None:
    for key, value in body.items():
        if key in ("Id", "@odata.id", "@odata.type", "Name", "AccountTypes", "Links"):
            raise RedfishError(400, "PropertyNotWritable", (key,))
        if key not in WRITABLE:
            raise RedfishError(400, "PropertyUnknown", (key,))
        if not isinstance(value, WRITABLE[key]):
            raise RedfishError(400, "PropertyValueTypeError", (str(value), key))
    if "RoleId" in body and body["RoleId"] not in ROLE_PRIVILEGES:
        raise RedfishError(400, "PropertyValueNotInList", (body["RoleId"], "RoleId"))
    if body.get("Locked") is True:
        raise RedfishError(400, "PropertyValueNotInList", ("true", "Locked"))


def create_account(call: Call) -> HttpResponse:
    store = call.model.accounts
    body = _json_object(call)
    _check_properties(body)
    for key in ("UserName", "Password", "RoleId"):
        if key not in body:
            raise RedfishError(400, "PropertyMissing", (key,))
    if store.by_username(body["UserName"]) is not None:
        raise RedfishError(400, "ResourceAlreadyExists", ("ManagerAccount", "UserName", body["UserName"]))
    new = Account(store.next_account_id(), body["UserName"], body["Password"], body["RoleId"],
                  body.get("Enabled", True))  # fmt: skip
    store.accounts[new.id] = new
    doc = res.account(new)
    return HttpResponse.of_json(201, doc, [("Location", doc["@odata.id"])])


def patch_account(call: Call) -> HttpResponse:
    target = _account(call)
    body = _json_object(call)
    if body and all(key.startswith("@odata.") for key in body):
        raise RedfishError(400, "NoOperation")
    _check_properties(body)
    actor = call.account
    self_password = target is actor and set(body) <= {"Password"}
    if (
        actor is not None
        and not actor.has("ConfigureUsers")
        and not (self_password and actor.has("ConfigureSelf"))
    ):
        raise RedfishError(403, "InsufficientPrivilege")
    expected = call.request.header("if-match")
    if expected is not None and expected != "*":
        if expected != account_etag(target):
            raise RedfishError(412, "PreconditionFailed")
    if "UserName" in body:
        other = call.model.accounts.by_username(body["UserName"])
        if other is not None and other is not target:
            raise RedfishError(400, "ResourceAlreadyExists", ("ManagerAccount", "UserName", body["UserName"]))
        target.username = body["UserName"]
    if "Password" in body:
        target.password = body["Password"]
    if "RoleId" in body:
        target.role = body["RoleId"]
    if "Enabled" in body:
        target.enabled = body["Enabled"]
    if "Locked" in body:
        target.locked = body["Locked"]
    return account_answer(target)


def delete_account(call: Call) -> HttpResponse:
    target = _account(call)
    call.model.accounts.drop_account(target.id)
    return HttpResponse(204, b"", [], None)


def roles(call: Call) -> HttpResponse:
    return ok(res.roles())


def role(call: Call) -> HttpResponse:
    name = call.params[0]
    if name not in ROLE_PRIVILEGES:
        raise _not_found("Role", name)
    return ok(res.role(name))
