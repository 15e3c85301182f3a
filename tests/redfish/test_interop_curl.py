"""curl, a client we did not write, checks the status codes and headers of our Redfish emulator."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .support import config

pytestmark = pytest.mark.interop
Start = Callable[..., Emulator]


def curl(bmc: Emulator, path: str, *args: str) -> tuple[int, dict[str, str], str]:
    """(status, headers with lower-cased names, body) of one request; the CA of the ready line is trusted."""
    url = bmc.info["url"] + path
    argv = [require_tool("curl"), "-s", "-i", "--max-time", "10", "--cacert", bmc.info["ca_file"], *args, url]
    done = run(argv, timeout=20)
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


@pytest.fixture
def bmc(emulator: Start) -> Emulator:
    """A Redfish emulator with the tests' default config (one system, sessions and Basic on)."""
    return emulator("redfish", config=config())


def test_root_without_auth_and_headers(bmc: Emulator) -> None:
    status, headers, body = curl(bmc, "/redfish/v1/")
    assert status == 200 and headers["odata-version"] == "4.0"
    assert headers["content-type"].startswith("application/json") and "etag" in headers
    assert json.loads(body)["Links"]["Sessions"]["@odata.id"] == "/redfish/v1/SessionService/Sessions"


def test_auth_sessions_roles_and_errors(bmc: Emulator) -> None:
    status, headers, body = curl(bmc, "/redfish/v1/Systems", "-u", "admin:wrong")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    assert json.loads(body)["error"]["@Message.ExtendedInfo"]
    assert curl(bmc, "/redfish/v1/Systems", "-u", "admin:adm1n-Secret")[0] == 200
    login = json.dumps({"UserName": "admin", "Password": "adm1n-Secret"})
    status, headers, _ = curl(bmc, "/redfish/v1/SessionService/Sessions", "-X", "POST",
                              "-H", "Content-Type: application/json", "-d", login)  # fmt: skip
    assert status == 201 and headers["location"].startswith("/redfish/v1/SessionService/Sessions/")
    token = headers["x-auth-token"]
    assert curl(bmc, "/redfish/v1/Systems/1", "-H", f"X-Auth-Token: {token}")[0] == 200
    assert curl(bmc, headers["location"], "-X", "DELETE", "-H", f"X-Auth-Token: {token}")[0] == 204
    assert curl(bmc, "/redfish/v1/Systems/1", "-H", f"X-Auth-Token: {token}")[0] == 401
    reset = ["-X", "POST", "-H", "Content-Type: application/json", "-d", '{"ResetType": "ForceOff"}']
    target = "/redfish/v1/Systems/1/Actions/ComputerSystem.Reset"
    status, _, body = curl(bmc, target, "-u", "viewer:v1ewer-Secret", *reset)
    assert status == 403 and "InsufficientPrivilege" in json.loads(body)["error"]["code"]
    assert curl(bmc, target, "-u", "oper:0per-Secret", *reset)[0] == 204
    status, headers, _ = curl(bmc, "/redfish/v1/", "-X", "DELETE", "-u", "admin:adm1n-Secret")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert curl(bmc, "/redfish/v1/$metadata")[1]["content-type"].startswith("application/xml")


def test_plain_http_option(emulator: Start) -> None:
    bmc = emulator("redfish", config=config(tls=False))
    assert bmc.info["url"].startswith("http://") and "ca_file" not in bmc.info
    argv = [
        require_tool("curl"),
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        bmc.info["url"] + "/redfish/v1/",
    ]
    done = run(argv, timeout=20)
    assert done.stdout == "200"
