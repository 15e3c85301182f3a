"""fence_redfish's pure decisions: reset types from AllowableValues, PowerState, plugs, error lines."""

from __future__ import annotations

import pytest

from fence_agents.agents import redfish_rules as rules
from fence_agents.device import PowerState


def system(allowed: list[str] | None = None, info: str | None = None) -> dict[str, object]:
    action: dict[str, object] = {"target": "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"}
    if allowed is not None:
        action[rules.ALLOWABLE] = allowed
    if info:
        action["@Redfish.ActionInfo"] = info
    return {"Id": "1", "Name": "Blade 1", "HostName": "node1", "Actions": {rules.RESET_ACTION: action}}


def test_reset_types_follow_allowable_values() -> None:
    assert rules.choose_reset("off", None) == "ForceOff"  # nothing said: the stock choice
    assert rules.choose_reset("on", ["ForceOn", "ForceOff"]) == "ForceOn"
    assert rules.choose_reset("cycle", ["On", "PowerCycle"]) == "PowerCycle"
    assert rules.choose_reset("cycle", ["On", "ForceRestart", "PowerCycle"]) == "ForceRestart"
    with pytest.raises(rules.NoResetType, match="does not allow ForceOff .it allows On, GracefulShutdown"):
        rules.choose_reset("off", ["On", "GracefulShutdown"])  # never a graceful shutdown for fencing


def test_allowable_values_from_the_action_or_its_action_info() -> None:
    assert rules.allowable_values(system(["On"])) == ["On"]
    info = {"Parameters": [{"Name": "ResetType", "AllowableValues": ["On", "ForceOff"]}]}
    assert rules.allowable_values(system(info="/x"), info) == ["On", "ForceOff"]
    assert rules.allowable_values(system()) is None


def test_power_state_reading() -> None:
    assert rules.power_state("Off", None) is PowerState.OFF
    assert rules.power_state(" Off ", None) is PowerState.OFF
    assert rules.power_state("PoweringOff", PowerState.OFF) is PowerState.ON  # still has power
    assert rules.power_state("PoweringOn", None) is PowerState.ON  # never "already off"
    assert rules.power_state("PoweringOn", PowerState.ON) is PowerState.OFF  # not yet on
    assert rules.power_state(None, None) is PowerState.UNKNOWN


def test_plugs_match_uri_id_name_host_name_uuid() -> None:
    uris = ["/redfish/v1/Systems/A", "/redfish/v1/Systems/b/"]
    assert rules.match_by_uri("a", uris) == "/redfish/v1/Systems/A"
    assert rules.match_by_uri("/redfish/v1/Systems/b", uris) == "/redfish/v1/Systems/b/"
    assert rules.match_by_uri("c", uris) is None
    assert rules.matches_document("NODE1", system()) and rules.matches_document("blade 1", system())
    assert not rules.matches_document("node2", system())


def test_error_detail_from_a_dmtf_body() -> None:
    info = {"MessageId": "Base.1.22.1.InsufficientPrivilege", "Message": "There are insufficient privileges."}
    body = {
        "error": {
            "code": "Base.1.22.1.InsufficientPrivilege",
            "message": "x",
            "@Message.ExtendedInfo": [info],
        }
    }
    assert (
        rules.error_detail(403, body) == "HTTP 403 InsufficientPrivilege: There are insufficient privileges."
    )
    assert rules.error_detail(500, None) == "HTTP 500"
    assert rules.error_detail(401, {"error": {"code": "AccessDenied"}}) == "HTTP 401 AccessDenied"
