"""Start-up pays only for its action: the modules an agent process loads for ``-o metadata`` and for a
plain ``status``, read from ``python -X importtime`` of the installed console script.

``logging`` (threading, traceback...), ``dataclasses`` (inspect, ast...), ``typing``, ``getopt``
(gettext, locale) each cost a plain run a noticeable share of a whole stock agent run; ``-o metadata``
needs not even ``re`` or ``enum``. SNMP v1/v2c is our own BER: pysnmp (and pyasn1) are for v3 only.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

from harness.emulator_process import Emulator, start_emulator
from harness.tools import our_tool

LIGHT = frozenset({"logging", "dataclasses", "typing", "getopt", "gettext", "locale", "inspect", "threading"})
METADATA_FORBIDDEN = LIGHT | {"re", "enum", "textwrap", "ast", "socket", "subprocess", "asyncio"}
STATUS_FORBIDDEN = LIGHT | {"ast", "textwrap", "subprocess", "asyncio"}
SNMP_V2C_FORBIDDEN = STATUS_FORBIDDEN | {"pysnmp", "pyasn1", "re"}


ENTRY = {  # the console scripts' entry points (pyproject.toml); run directly, so that what a pip version's
    # script template imports (older ones: re) is not counted against the agent
    "fence_nps": "fence_agents.agents.nps",
    "fence_brocade": "fence_agents.agents.brocade",
    "fence_ifmib": "fence_agents.agents.ifmib",
    "fence_ipmilan": "fence_agents.agents.ipmilan",
    "fence_redfish": "fence_agents.agents.redfish",
}


def imported(agent: str, args: list[str], stdin: str = "") -> set[str]:
    """Every module the agent process imported (names as ``-X importtime`` prints them)."""
    our_tool(agent)  # installed as a console script
    code = f"import sys; from {ENTRY[agent]} import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 2), done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "fence_agents" in names, done.stderr[-2000:]  # the probe itself works
    return names


def loaded(names: set[str], forbidden: frozenset[str]) -> list[str]:
    """The forbidden modules (or packages: ``pysnmp.hlapi`` covers its submodules) that were loaded."""
    return sorted(f for f in forbidden if any(n == f or n.startswith(f + ".") for n in names))


@pytest.mark.parametrize("agent", ["fence_nps", "fence_brocade", "fence_ifmib"])
def test_metadata_loads_only_the_declaration(agent: str) -> None:
    names = imported(agent, ["-o", "metadata"])
    assert loaded(names, METADATA_FORBIDDEN) == []
    assert not any(n.endswith("_device") for n in names)  # the device module is for actions only


@pytest.mark.parametrize(
    ("agent", "heavy"),
    [("fence_ipmilan", {"pyghmi", "cryptography", "ctypes"}), ("fence_redfish", {"requests", "ssl"})],
)
def test_metadata_of_the_bmc_agents_loads_no_protocol_library(agent: str, heavy: set[str]) -> None:
    # their declarations still import enum (and fence_ipmilan its RMCP+ error table): allowed, measured cheap
    names = imported(agent, ["-o", "metadata"])
    assert loaded(names, (METADATA_FORBIDDEN - {"enum"}) | frozenset(heavy)) == []


@pytest.fixture(scope="module")
def nps() -> Iterator[Emulator]:
    """An NPS emulator (telnet, password pw) for the status runs of this module."""
    device = start_emulator("nps", {"relay_delay": 0, "boot_delay": 0, "ssh_port": False, "password": "pw"})
    try:
        yield device
    finally:
        device.stop()


@pytest.fixture(scope="module")
def san() -> Iterator[Emulator]:
    """A SAN emulator (switch CLI over telnet, SNMP) for the status runs of this module."""
    with tempfile.TemporaryDirectory(prefix="fencelab-imports-") as state:
        config = {"state_dir": state, "relay_delay": 0.0, "ssh_port": False, "pdu_port": False}
        device = start_emulator("san", config, timeout=20.0)
        try:
            yield device
        finally:
            device.stop()


def test_nps_status_loads_no_logging_dataclasses_typing(nps: Emulator) -> None:
    stdin = f"ipaddr=127.0.0.1\nipport={nps.port('telnet')}\npasswd=pw\nport=1\naction=status\n"
    assert loaded(imported("fence_nps", [], stdin), STATUS_FORBIDDEN) == []


def test_brocade_status_loads_no_logging_dataclasses_typing(san: Emulator) -> None:
    user, password = san.info["credentials"]["username"], san.info["credentials"]["password"]
    stdin = f"ipaddr=127.0.0.1\nipport={san.port('telnet')}\nlogin={user}\npasswd={password}\n"
    stdin += "port=1\naction=status\n"
    assert loaded(imported("fence_brocade", [], stdin), STATUS_FORBIDDEN) == []


def test_ifmib_v2c_status_loads_no_snmp_library(san: Emulator) -> None:
    stdin = f"ipaddr=127.0.0.1\nipport={san.port('snmp')}\ncommunity=public\nport=1\naction=status\n"
    names = imported("fence_ifmib", [], stdin)
    assert "fence_agents.transports.snmp_ber" in names  # the messages it does need
    assert loaded(names, SNMP_V2C_FORBIDDEN) == []


REDFISH_STATUS_FORBIDDEN = STATUS_FORBIDDEN | {
    "requests", "urllib3", "http.client", "email", "charset_normalizer", "idna", "encodings.idna", "certifi",
    "ipaddress", "urllib.parse",
}  # fmt: skip


@pytest.fixture(scope="module")
def redfish() -> Iterator[Emulator]:
    """A Redfish emulator (HTTPS, sessions) for the status run of this module."""
    config = {"users": {"admin": {"password": "adm1n-Secret", "role": "Administrator"}}}
    with start_emulator("redfish", config) as device:
        yield device


def test_redfish_status_loads_neither_requests_nor_urllib3(redfish: Emulator) -> None:
    # the lean client: socket + ssl + json; http.client (email.*), IDNA and ipaddress stay out too
    stdin = f"ip={redfish.host}\nipport={redfish.port('https')}\nusername=admin\npassword=adm1n-Secret\n"
    stdin += "ssl_insecure=1\naction=status\n"
    names = imported("fence_redfish", [], stdin)
    assert {"ssl", "fence_agents.https.client", "fence_agents.https.http1"} <= names  # the probe saw the run
    assert loaded(names, REDFISH_STATUS_FORBIDDEN) == []
