"""DESIGN.md's dependency rules, checked on the source (``imports.py`` reads the import graph with ast).

- fence_agents imports none of emulators, cluster, harness (an agent must work against real hardware);
- emulators import nothing from fence_agents (an emulator sharing an agent's parser agrees with its bugs);
- cluster calls agents only as processes: it imports nothing from fence_agents;
- nothing imports harness except harness itself (tests and the pytest plugin entry point are outside);
- pure cores (PURE_CORES below) import no asyncio, socket or subprocess, not even through our modules;
- no import circles; no file over MAX_LINES lines (LONG_FILES lists the exceptions, each with its reason).
"""

from __future__ import annotations

import pytest
from imports import PACKAGES, Module, circles, load, ours, runtime_closure, top

MODULES = load()
MAX_LINES = 400
IO_MODULES = ("asyncio", "socket", "_socket", "subprocess")

# package -> packages of ours it must never import
FORBIDDEN = {
    "fence_agents": {"emulators", "cluster", "harness"},
    "emulators": {"fence_agents", "harness"},
    "cluster": {"fence_agents", "harness"},
}

# The pure cores: deterministic, I/O-free objects fed inputs that return outputs. Add a module here when you
# write one (a parser, a state machine, a policy); a name that no longer exists fails the test, so a move or
# rename is noticed. A prefix ending in "." covers every module below it.
PURE_CORES: dict[str, str] = {
    # fence agents: the protocol library and the dialects' parsers
    "fence_agents.parse": "argv and stdin key=value parser",
    "fence_agents.validate": "option validation",
    "fence_agents.actions": "the fence action state machine (status/off/verify/on, injected clock)",
    "fence_agents.options": "the common option table",
    "fence_agents.metadata": "metadata XML, usage and man page text",
    "fence_agents.agents.nps_screens": "NPS /S and /SG table parser",
    "fence_agents.agents.brocade_switchshow": "Brocade switchshow parser",
    "fence_agents.transports.telnet_protocol": "telnet negotiation codec",
    "fence_agents.ipmi.session": "the RMCP+ client session state machine (datagrams and time in)",
    "fence_agents.ipmi.wire": "RMCP/RMCP+ framing, IPMI messages, packet sealing",
    "fence_agents.ipmi.rakp": "RMCP+ open session and RAKP messages, cipher suites, key derivation",
    "fence_agents.ipmi.aes": "AES-128-CBC through libcrypto (bytes in, bytes out)",
    # emulators: device models, their sessions and screens, wire codecs
    "emulators.base.model": "the DeviceModel/Session contract, relay schedule",
    "emulators.base.faults": "fault plan decisions",
    "emulators.base.lines": "telnet codec and line assembly",
    "emulators.base.power": "power events",
    "emulators.nps.settings": "NPS unit configuration",
    "emulators.nps.switch": "NPS plugs, groups and relays",
    "emulators.nps.session": "NPS terminal dialogue and screens",
    "emulators.nps.screens": "NPS screen text",
    "emulators.nps.model": "the NPS device model",
    "emulators.san.switch": "fabric switch state",
    "emulators.san.brocade_cli": "Brocade FOS CLI sessions",
    "emulators.san.ifmib": "IF-MIB table over the switch",
    "emulators.san.mib": "MIB object tables",
    "emulators.san.rpdu": "SNMP PDU relays",
    "emulators.san.nbd_protocol": "NBD wire codec",
    "emulators.bmc.chassis": "BMC chassis power state machine",
    "emulators.bmc.rmcpplus": "the BMC's RMCP+ decisions: cipher suites, RAKP1 users and roles, privileges",
    # cluster: quorum, membership protocol, fenced domain
    "cluster.quorum": "votes and quorum arithmetic",
    "cluster.membership.protocol": "the membership state machine",
    "cluster.membership.messages": "membership wire messages",
    "cluster.membership.view": "the one membership view type",
    "cluster.fenced.": "fenced's rules, the whole package: domain, victims, jobs, effects, plan, history",
    "cluster.config.model": "cluster.conf object model",
    # the resource manager: everything in cluster/rm but its agent runners (agent_dir, ocf_exec, checks)
    "cluster.rm.values": "rgmanager's atoi/expand_time quirks",
    "cluster.rm.rules": "resource rules from agents' metadata XML",
    "cluster.rm.conf_model": "the <rm> model",
    "cluster.rm.conf_build": "the <rm> builder and its problems",
    "cluster.rm.conf_domains": "failover domains",
    "cluster.rm.placement": "failover-domain scoring, best target",
    "cluster.rm.tree": "resource tree start/stop/status plans",
    "cluster.rm.state": "service states, record, RG_E codes",
    "cluster.rm.events": "the core's events and effects",
    "cluster.rm.ocf": "the OCF calling convention",
    "cluster.rm.core": "the resource manager state machine (owner, decider, safety gate)",
    "cluster.rm.simulation": "the cluster of cores in simulated time",
    "cluster.tools.clustat_format": "clustat layouts and exit codes",
    "cluster.tools.clusvcadm_format": "clusvcadm messages and exit codes",
    # harness: the scenario recorder's pure half (invariants over the merged event streams)
    "harness.scenario.history": "merged event history",
    "harness.scenario.invariants": "safety invariants over the history",
    # harness: cluster.conf -> Pacemaker (translate.py composes them; it may read agents' metadata)
    "harness.agent_names": "the names our agents are installed under",
    "harness.pacemaker.errors": "the translation's error",
    "harness.pacemaker.cib_xml": "CIB element builders",
    "harness.pacemaker.corosync_conf": "corosync.conf from the cluster.conf model",
    "harness.pacemaker.fence_agents_table": "our agents' stdin names for Pacemaker",
    "harness.pacemaker.stonith": "stonith resources and fencing topology",
    "harness.pacemaker.stonith_device": "one stonith primitive and its fence-time bound",
    "harness.pacemaker.services": "groups and constraints from <rm>",
}

# Files allowed past MAX_LINES, each with why; prefer splitting. A listed file that shrank fails the test.
LONG_FILES: dict[str, str] = {}

# Circles that remain, each with why; the list must only shrink.
KNOWN_CIRCLES: dict[tuple[str, ...], str] = {}


def _pure(name: str) -> bool:
    return any(name == key or (key.endswith(".") and name.startswith(key)) for key in PURE_CORES)


def test_the_graph_is_read() -> None:
    assert {top(name) for name in MODULES} == set(PACKAGES)
    assert "emulators.nps.model" in MODULES and MODULES["emulators.nps.model"].runtime


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_dependency_rules(package: str) -> None:
    broken = [
        f"{m.name} imports {imported}"
        for m in MODULES.values()
        if top(m.name) == package
        for imported in sorted(m.imports)
        if top(imported) in FORBIDDEN[package]
    ]
    assert broken == []


def test_nothing_outside_harness_imports_harness() -> None:
    broken = [
        f"{m.name} imports {imported}"
        for m in MODULES.values()
        if top(m.name) != "harness"
        for imported in sorted(m.imports)
        if top(imported) == "harness"
    ]
    assert broken == []


def test_every_pure_core_in_the_table_exists() -> None:
    missing = [key for key in PURE_CORES if not any(n == key or n.startswith(key) for n in MODULES)]
    assert missing == [], "renamed or moved? update PURE_CORES"


def _parents(name: str) -> list[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py first."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _pure(n)))
def test_pure_core_imports_no_io(name: str) -> None:
    closure: dict[str, str] = {}
    closure.update(runtime_closure(MODULES, name))
    for parent in _parents(name):  # importing a.b.c runs a/__init__.py and a/b/__init__.py first
        if parent in MODULES:
            closure.update(runtime_closure(MODULES, parent, own_lazy=False))
    grown = True
    while grown:  # ... and so does every module the closure reaches
        grown = False
        for mod in list(closure):
            for parent in _parents(mod):
                if parent in MODULES and parent not in closure:
                    closure[parent] = mod
                    closure.update(runtime_closure(MODULES, parent, own_lazy=False))
                    grown = True
    io = {imported: via for imported, via in closure.items() if top(imported) in IO_MODULES}
    assert io == {}, f"{name} pulls in I/O (module: imported by)"


def test_no_import_circles() -> None:
    found = {tuple(c): c for c in circles(MODULES)}
    new = [c for key, c in found.items() if key not in KNOWN_CIRCLES]
    assert new == []
    gone = [key for key in KNOWN_CIRCLES if key not in found]
    assert gone == [], "a listed circle is gone: remove it from KNOWN_CIRCLES"


def _rel(m: Module) -> str:
    return str(m.path.relative_to(m.path.parents[len(m.name.split(".")) - (m.path.name != "__init__.py")]))


def test_no_file_over_the_limit() -> None:
    files = {f"{m.name.replace('.', '/')}{'/__init__' if m.path.name == '__init__.py' else ''}.py": m.lines
             for m in MODULES.values()}  # fmt: skip
    too_long = sorted(path for path, lines in files.items() if lines > MAX_LINES and path not in LONG_FILES)
    assert too_long == [], f"split these (or list them in LONG_FILES with a reason): {too_long}"
    shrunk = [path for path in LONG_FILES if files.get(path, 0) <= MAX_LINES]
    assert shrunk == [], "no longer long (or gone): remove from LONG_FILES"


def test_our_modules_resolve() -> None:
    """Every ``from fence_agents.x import y`` names a module that exists (the graph would miss it else)."""
    unknown = sorted(
        f"{m.name} imports {imported}"
        for m in MODULES.values()
        for imported in m.imports
        if top(imported) in PACKAGES and imported not in MODULES and not ours(MODULES, [imported])
    )
    assert unknown == []
