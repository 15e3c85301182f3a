"""BMC configuration: TOML tables and flags to worker configs, strict errors, the JSON hand-over."""

from __future__ import annotations

import pytest

from emulators.base.config import ConfigError
from emulators.bmc.config import BmcConfig, fleet_from, parse_user, public_users
from emulators.bmc.rmcpplus import Privilege


def test_defaults_one_bmc_on_loopback_any_port() -> None:
    (bmc,) = fleet_from({}, "config")
    assert (bmc.name, bmc.address, bmc.port, bmc.powered) == ("bmc1", "127.0.0.1", 0, True)
    assert bmc.users == {"admin": ("password", Privilege.ADMINISTRATOR)}


def test_count_names_the_bmcs_and_shares_the_settings() -> None:
    config = {
        "count": 3,
        "power_on_delay": 1.5,
        "users": {"viewer": {"password": "v", "privilege": "user"}},
        "faults": [{"kind": "latency", "command": "status", "seconds": 0.2}],
    }
    fleet = fleet_from(config, "config")
    assert [b.name for b in fleet] == ["bmc1", "bmc2", "bmc3"]
    assert all(b.timing.power_on_delay == 1.5 for b in fleet)
    assert all(b.users == {"viewer": ("v", Privilege.USER)} for b in fleet)
    assert all(len(b.faults) == 1 for b in fleet)


def test_listed_bmcs_override_the_top_level() -> None:
    config = {
        "powered": False,
        "bmcs": [{"name": "node1", "target": "sleep 100"}, {"name": "node2", "powered": True, "port": 0}],
    }
    node1, node2 = fleet_from(config, "config")
    assert (node1.name, node1.powered, node1.target) == ("node1", False, ["sleep", "100"])
    assert (node2.name, node2.powered, node2.target) == ("node2", True, [])


@pytest.mark.parametrize(
    "config, message",
    [
        ({"host": "::"}, "refusing to bind"),
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"count": 2, "port": 6230}, "a fixed port serves one BMC"),
        ({"count": 2, "bmcs": [{}]}, "either count or [[bmcs]]"),
        ({"bmcs": [{"name": "a"}, {"name": "a"}]}, "two BMCs are named 'a'"),
        ({"power_on_delay": -1}, "must not be negative"),
        ({"users": {"x": {"password": "p", "privilege": "root"}}}, "unknown privilege level 'root'"),
        ({"faults": [{"kind": "explode"}]}, "unknown fault kind"),
    ],
)
def test_bad_configuration_is_one_clear_line(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        fleet_from(config, "config")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_json_hand_over_round_trips() -> None:
    (bmc,) = fleet_from(
        {"users": {"a": {"password": "p w", "privilege": "operator"}}, "faults": [{"kind": "stuck"}]}, "c"
    )
    again = BmcConfig.from_json(bmc.to_json())
    assert again == bmc


def test_user_flag() -> None:
    assert parse_user("op:secret:operator") == ("op", ("secret", Privilege.OPERATOR))
    assert parse_user("admin:pw") == ("admin", ("pw", Privilege.ADMINISTRATOR))
    with pytest.raises(ConfigError):
        parse_user("nopassword")


def test_ready_line_credentials() -> None:
    bmc = BmcConfig(users={"root": ("calvin", Privilege.ADMINISTRATOR), "ro": ("x", Privilege.USER)})
    creds = public_users(bmc)
    assert (creds["username"], creds["password"]) == ("root", "calvin")
    assert creds["users"]["ro"] == {"password": "x", "privilege": "user"}
