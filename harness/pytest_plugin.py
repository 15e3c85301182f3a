"""pytest plugin (entry point ``pytest11: fencelab``): fixtures that start emulated devices for CI.

Interop rule: under ``CI=true`` a missing third-party tool is a test failure, never a skip; elsewhere the test
skips with a reason naming the Debian package (``require_tool("fence_wti")``).

Devices run as separate processes (``python -m harness.cli emulate <kind> --config FILE``), exactly as a user
would run them; the fixture waits for the JSON ready line (with a deadline) and stops the device (SIGTERM,
then wait) at teardown. Credentials travel in the config file, never in the device's argv.

Fixtures:
- ``emulator``: a factory. ``emulator("nps", config={...}, args=[...], timeout=10.0) -> Emulator`` for any
  kind (nps, bmc, san). ``config`` is the device's TOML content as a dict (see emulators/<kind>/config.py),
  ``args`` extra command-line flags. Every device started is stopped at the end of the test.
- ``nps``: one NPS with 8 plugs, password ``redhat123``, telnet + ssh, relay and boot delays 0.
- ``slapd``: a real OpenLDAP server (Debian's slapd) on 127.0.0.1 with the rhcs schema loaded and the suffix
  ``dc=example,dc=com``; ``slapd_factory(with_schema=..., tls=...)`` for others (see harness/ldap_server.py).

An ``Emulator`` has ``kind``, ``host``, ``ports`` (``{"telnet": p, "ssh": p}``), ``serial`` (pty path or
None), ``credentials`` (``{"username": ..., "password": ...}``), ``plugs`` (list of {number, name,
state}), ``pid``, ``info`` (the whole ready line), ``port(name)``, ``control(request)`` (run-time faults
and state, see emulators/base/runner.py), ``log()`` (its stderr; ``log_text`` after
``stop()``), ``stop()`` and ``alive``.
For other scopes use ``start_emulator(kind, config, args)`` in your own fixture (it is a context manager too).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.emulator_process import Emulator, emulate_command, start_emulator, to_toml
from harness.ldap_server import LdapServer
from harness.tools import missing_reason, stock_tool

__all__ = [
    "Emulator",
    "emulate_command",
    "emulator",
    "in_ci",
    "nps",
    "require_tool",
    "run_scenario",
    "assert_safe",
    "lab",
    "slapd",
    "slapd_factory",
    "start_emulator",
    "to_toml",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_tool(name: str) -> str:
    """Path of a stock Debian program; fail in CI, skip elsewhere, when it is missing."""
    path = stock_tool(name)
    if path is None:
        if in_ci():
            pytest.fail(missing_reason(name) + " (CI=true: interop tests may not skip)")
        pytest.skip(missing_reason(name))
    return path


@pytest.fixture
def emulator() -> Iterator[Callable[..., Emulator]]:
    """A factory: ``emulator(kind, config=None, args=(), timeout=10.0)`` starts ``fencelab emulate <kind>``
    as a process and returns its :class:`Emulator` once ready; every device started is stopped at teardown."""
    started: list[Emulator] = []

    def start(
        kind: str, config: Mapping[str, Any] | None = None, args: Sequence[str] = (), timeout: float = 10.0
    ) -> Emulator:
        device = start_emulator(kind, config, args, timeout)
        started.append(device)
        return device

    yield start
    for device in reversed(started):
        device.stop()


@pytest.fixture
def nps(emulator: Callable[..., Emulator]) -> Emulator:
    """A running NPS: 8 plugs, password ``redhat123``, telnet + ssh, relay and boot delays 0."""
    return emulator("nps", config={"relay_delay": 0, "boot_delay": 0})


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """A factory for labs built from a cluster.conf: ``lab("cluster.conf", machines=None)`` starts every
    fence device as an emulator (with the conf's credentials) and the nodes (as machines when root), waits
    until all are members and returns the running ``harness.lab_up.ConfLab`` (its ``ready_info()`` lists
    nodes and devices). Every lab started is torn down at the end of the test, namespaces included."""
    from harness.lab_up import ConfLab

    started: list[Any] = []

    def start(conf: str | Path, machines: bool | None = None, boot_timeout: float = 60.0) -> Any:
        built = ConfLab(conf, tmp_path / f"lab{len(started)}", machines=machines, boot_timeout=boot_timeout)
        started.append(built)
        built.start()
        return built

    yield start
    for built in reversed(started):
        built.stop()


def run_scenario(scenario: str | Path, root: str | Path, backend: str = "bundled") -> Any:
    """Run a scenario file (or a shipped scenario's name) in ``root`` on ``backend`` (bundled or pacemaker)
    and return its outcome; use ``assert_safe(outcome)`` to fail a test on any unmet expectation or violated
    invariant."""
    from harness.scenario.cli import _resolve
    from harness.scenario.runner import ScenarioRunner
    from harness.scenario.spec import load

    return ScenarioRunner(load(_resolve(str(scenario))), Path(root), backend).run()


def assert_safe(outcome: Any) -> None:
    """Fail with every unmet expectation and violated invariant of a scenario outcome, one per line."""
    expected = set(outcome.scenario.expect_violations)
    problems = [f"expect {x.step.describe()}: {x.detail}" for x in outcome.expectations if not x.ok]
    problems += [str(v) for v in outcome.violations if v.invariant not in expected] + list(outcome.errors)
    if outcome.skipped:
        problems.append(f"skipped on {outcome.backend}: {outcome.skipped}")
    problems += [
        f"{name} should have been violated (the scenario shows a broken device)"
        for name in sorted(expected - outcome.caught)
    ]
    if problems:
        pytest.fail(f"scenario {outcome.scenario.name}:\n" + "\n".join(problems))


@pytest.fixture
def slapd_factory() -> Iterator[Callable[..., LdapServer]]:
    """Start real OpenLDAP servers: ``slapd_factory(suffix=..., with_schema=True, tls=None)``; each is
    stopped and its directory removed at the end of the test. Needs Debian's slapd and ldap-utils."""
    for tool in ("slapd", "slapadd", "ldapadd"):
        require_tool(tool)
    started: list[LdapServer] = []

    def start(**options: Any) -> LdapServer:
        server = LdapServer(**options)
        started.append(server)
        return server.start()

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def slapd(slapd_factory: Callable[..., LdapServer]) -> LdapServer:
    """One OpenLDAP server with the rhcs schema loaded, suffix ``dc=example,dc=com`` (``.url``,
    ``.admin_dn``, ``.ldap_tool("ldapadd", ...)``)."""
    return slapd_factory()
