"""The JSON documents of the service: root, Systems, ComputerSystem, ActionInfo, sessions, accounts, roles,
tasks, and the OData service document and ``$metadata``. Pure builders over the model's state.
"""

from __future__ import annotations

import uuid
from typing import Any

from emulators.redfish.accounts import ROLE_PRIVILEGES, Account, Session
from emulators.redfish.model import RedfishModel, TaskMonitor

V1 = "/redfish/v1"
SYSTEMS = f"{V1}/Systems"
SESSION_SERVICE = f"{V1}/SessionService"
SESSIONS = f"{SESSION_SERVICE}/Sessions"
ACCOUNT_SERVICE = f"{V1}/AccountService"
ACCOUNTS = f"{ACCOUNT_SERVICE}/Accounts"
ROLES = f"{ACCOUNT_SERVICE}/Roles"
TASK_SERVICE = f"{V1}/TaskService"
TASKS = f"{TASK_SERVICE}/Tasks"
TASK_MONITORS = f"{TASK_SERVICE}/TaskMonitors"


def ref(uri: str) -> dict[str, str]:
    return {"@odata.id": uri}


def collection(uri: str, odata_type: str, name: str, members: list[str]) -> dict[str, Any]:
    return {
        "@odata.id": uri,
        "@odata.type": f"#{odata_type}.{odata_type}",
        "Name": name,
        "Members": [ref(m) for m in members],
        "Members@odata.count": len(members),
    }


def service_root(model: RedfishModel) -> dict[str, Any]:
    s = model.settings
    root: dict[str, Any] = {
        "@odata.id": f"{V1}/",
        "@odata.type": "#ServiceRoot.v1_15_0.ServiceRoot",
        "Id": "RootService",
        "Name": "Root Service",
        "RedfishVersion": "1.17.0",
        "UUID": s.uuid,
        "Vendor": s.manufacturer,
        "Product": s.model,
        "Systems": ref(SYSTEMS),
        "AccountService": ref(ACCOUNT_SERVICE),
        "TaskService": ref(TASK_SERVICE),
        "ProtocolFeaturesSupported": {
            "ExcerptQuery": False,
            "ExpandQuery": {"ExpandAll": False, "Levels": False, "Links": False, "NoLinks": False},
            "FilterQuery": False,
            "OnlyMemberQuery": False,
            "SelectQuery": False,
        },
    }
    if s.sessions:
        root["SessionService"] = ref(SESSION_SERVICE)
        root["Links"] = {"Sessions": ref(SESSIONS)}
    else:
        root["Links"] = {}
    return root


def systems(model: RedfishModel) -> dict[str, Any]:
    return collection(
        SYSTEMS, "ComputerSystemCollection", "Computer System Collection",
        [f"{SYSTEMS}/{sid}" for sid in model.systems],
    )  # fmt: skip


def system(model: RedfishModel, sid: str, now: float) -> dict[str, Any]:
    spec = model.specs[sid]
    uri = f"{SYSTEMS}/{sid}"
    state = model.reported_state(sid, now)
    return {
        "@odata.id": uri,
        "@odata.type": "#ComputerSystem.v1_20_0.ComputerSystem",
        "Id": sid,
        "Name": spec.name or f"System {sid}",
        "HostName": spec.host_name,
        "SystemType": "Physical",
        "Manufacturer": model.settings.manufacturer,
        "Model": model.settings.model,
        "UUID": str(uuid.uuid5(uuid.UUID(model.settings.uuid), sid)),
        "PowerState": state,
        "Status": {"State": "Enabled" if state != "Off" else "StandbyOffline", "Health": "OK"},
        "Actions": {
            "#ComputerSystem.Reset": {
                "target": f"{uri}/Actions/ComputerSystem.Reset",
                "ResetType@Redfish.AllowableValues": list(model.settings.reset_types),
                "@Redfish.ActionInfo": f"{uri}/ResetActionInfo",
            }
        },
    }


def reset_action_info(model: RedfishModel, sid: str) -> dict[str, Any]:
    return {
        "@odata.id": f"{SYSTEMS}/{sid}/ResetActionInfo",
        "@odata.type": "#ActionInfo.v1_3_0.ActionInfo",
        "Id": "ResetActionInfo",
        "Name": "Reset Action Info",
        "Parameters": [
            {
                "Name": "ResetType",
                "Required": True,
                "DataType": "String",
                "AllowableValues": list(model.settings.reset_types),
            }
        ],
    }


def session_service(model: RedfishModel) -> dict[str, Any]:
    return {
        "@odata.id": SESSION_SERVICE,
        "@odata.type": "#SessionService.v1_1_9.SessionService",
        "Id": "SessionService",
        "Name": "Session Service",
        "ServiceEnabled": True,
        "SessionTimeout": int(model.accounts.session_timeout),
        "Sessions": ref(SESSIONS),
    }


def sessions(model: RedfishModel) -> dict[str, Any]:
    return collection(
        SESSIONS, "SessionCollection", "Session Collection",
        [f"{SESSIONS}/{sid}" for sid in model.accounts.sessions],
    )  # fmt: skip


def session(s: Session) -> dict[str, Any]:
    return {
        "@odata.id": f"{SESSIONS}/{s.id}",
        "@odata.type": "#Session.v1_7_0.Session",
        "Id": s.id,
        "Name": f"Session {s.id}",
        "UserName": s.account.username,
        "Password": None,
    }


def account_service(model: RedfishModel) -> dict[str, Any]:
    return {
        "@odata.id": ACCOUNT_SERVICE,
        "@odata.type": "#AccountService.v1_13_0.AccountService",
        "Id": "AccountService",
        "Name": "Account Service",
        "ServiceEnabled": True,
        "MinPasswordLength": 1,
        "MaxPasswordLength": 64,
        "Accounts": ref(ACCOUNTS),
        "Roles": ref(ROLES),
    }


def accounts(model: RedfishModel) -> dict[str, Any]:
    return collection(
        ACCOUNTS, "ManagerAccountCollection", "Accounts Collection",
        [f"{ACCOUNTS}/{aid}" for aid in model.accounts.accounts],
    )  # fmt: skip


def account(a: Account) -> dict[str, Any]:
    return {
        "@odata.id": f"{ACCOUNTS}/{a.id}",
        "@odata.type": "#ManagerAccount.v1_10_0.ManagerAccount",
        "Id": a.id,
        "Name": "User Account",
        "UserName": a.username,
        "RoleId": a.role,
        "Enabled": a.enabled,
        "Locked": a.locked,
        "Password": None,
        "AccountTypes": ["Redfish"],
        "Links": {"Role": ref(f"{ROLES}/{a.role}")},
    }


def roles() -> dict[str, Any]:
    return collection(ROLES, "RoleCollection", "Roles Collection", [f"{ROLES}/{r}" for r in ROLE_PRIVILEGES])


def role(name: str) -> dict[str, Any]:
    return {
        "@odata.id": f"{ROLES}/{name}",
        "@odata.type": "#Role.v1_3_1.Role",
        "Id": name,
        "Name": f"{name} Role",
        "RoleId": name,
        "IsPredefined": True,
        "AssignedPrivileges": list(ROLE_PRIVILEGES[name]),
    }


def task_service(model: RedfishModel) -> dict[str, Any]:
    return {
        "@odata.id": TASK_SERVICE,
        "@odata.type": "#TaskService.v1_2_0.TaskService",
        "Id": "TaskService",
        "Name": "Task Service",
        "ServiceEnabled": True,
        "Tasks": ref(TASKS),
    }


def tasks(model: RedfishModel) -> dict[str, Any]:
    return collection(TASKS, "TaskCollection", "Task Collection", [f"{TASKS}/{t}" for t in model.tasks])


def task(t: TaskMonitor) -> dict[str, Any]:
    return {
        "@odata.id": f"{TASKS}/{t.id}",
        "@odata.type": "#Task.v1_7_0.Task",
        "Id": t.id,
        "Name": f"Reset {t.system} ({t.reset_type})",
        "TaskState": "Completed" if t.done else "Running",
        "TaskStatus": "OK",
        "TaskMonitor": f"{TASK_MONITORS}/{t.id}",
        "PercentComplete": 100 if t.done else 50,
        "Messages": [],
    }


def odata_service_document() -> dict[str, Any]:
    names = [
        ("Systems", SYSTEMS), ("SessionService", SESSION_SERVICE), ("AccountService", ACCOUNT_SERVICE),
        ("TaskService", TASK_SERVICE),
    ]  # fmt: skip
    return {
        "@odata.context": f"{V1}/$metadata",
        "value": [{"name": "Service", "kind": "Singleton", "url": f"{V1}/"}]
        + [{"name": n, "kind": "Singleton", "url": u} for n, u in names],
    }


_SCHEMAS = (
    "ServiceRoot_v1", "ComputerSystemCollection_v1", "ComputerSystem_v1", "ActionInfo_v1",
    "SessionService_v1", "SessionCollection_v1", "Session_v1", "AccountService_v1",
    "ManagerAccountCollection_v1", "ManagerAccount_v1", "RoleCollection_v1", "Role_v1",
    "TaskService_v1", "TaskCollection_v1", "Task_v1", "Message_v1", "Resource_v1", "RedfishExtensions_v1",
)  # fmt: skip


def metadata_xml() -> str:
    refs = "".join(
        f'  <edmx:Reference Uri="http://redfish.dmtf.org/schemas/v1/{name}.xml">\n'
        f'    <edmx:Include Namespace="{name.split("_")[0]}"/>\n'
        + (
            f'    <edmx:Include Namespace="{name.split("_")[0]}.v1_0_0"/>\n'
            if name != "RedfishExtensions_v1"
            else ""
        )
        + "  </edmx:Reference>\n"
        for name in _SCHEMAS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n'
        f"{refs}"
        "  <edmx:DataServices>\n"
        '    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Service">\n'
        '      <EntityContainer Name="Service" Extends="ServiceRoot.v1_0_0.ServiceContainer"/>\n'
        "    </Schema>\n"
        "  </edmx:DataServices>\n"
        "</edmx:Edmx>\n"
    )
