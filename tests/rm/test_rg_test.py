"""rg_test as a process: the plan (noop), the dump, and real agents started, checked and stopped."""

from __future__ import annotations

import sys
from pathlib import Path

from cluster.rm_agents import agent_dir
from harness.tools import run

from .support import DATA, require_ocf_agent


def rg_test(*args: str) -> tuple[int, str, str]:
    result = run([sys.executable, "-m", "cluster.tools.rg_test", *args], timeout=60)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout, result.stderr


def test_noop_prints_the_start_and_stop_plans() -> None:
    conf = str(DATA / "listing7-corrected.conf")
    code, out, _ = rg_test("noop", conf, "start", "service", "www")
    assert code == 0
    assert out.splitlines() == [
        "[start] service:www",
        "[start] fs:docroot",
        "[start] script:httpd",
        "[start] ip:192.0.2.100",
    ]
    code, out, _ = rg_test(str(agent_dir()), "noop", conf, "stop", "service", "www")
    assert out.splitlines() == [
        "[stop] ip:192.0.2.100",
        "[stop] script:httpd",
        "[stop] fs:docroot",
        "[stop] service:www",
    ]
    code, out, _ = rg_test("noop", conf, "start", "service", "nosuch")
    assert (code, out) == (1, "No resource nosuch of type service found\n")


def test_dump_sections_and_warnings_for_listing7_as_printed(tmp_path: Path) -> None:
    code, out, err = rg_test("test", str(DATA / "listing7-corrected.conf"))
    assert code == 0
    sections = [line for line in out.splitlines() if line.startswith("===")]
    assert sections == [f"=== {s} ===" for s in ("Resource XML Rules", "Resources List", "Resource Tree",
                                                  "Failover Domains", "Event Triggers")]  # fmt: skip
    assert "  script {" in out and 'service_name = "www";' in out  # inherited from the service
    printed = tmp_path / "listing7.conf"  # as printed, the XML is malformed: one line, exit 1
    printed.write_bytes((DATA / "listing7.conf").read_bytes())
    code, out, err = rg_test("test", str(printed))
    assert code == 1 and err.startswith(f"rg_test: {printed}:25: ") and "malformed XML" in err


def test_usage_errors_are_one_line() -> None:
    assert rg_test("frobnicate")[0] == 1
    code, _, err = rg_test("test")
    assert code == 1 and err == "rg_test: test needs a cluster.conf (use -h for help)\n"


def test_real_agents_start_status_stop(tmp_path: Path) -> None:
    """Our script agent runs an LSB script; Debian's heartbeat Dummy keeps a state file."""
    dummy = require_ocf_agent("Dummy")
    mark, state = tmp_path / "running", tmp_path / "dummy.state"
    lsb = tmp_path / "lsb"
    lsb.write_text(
        f'#!/bin/sh\ncase "$1" in\nstart) : > {mark} ;;\nstop) rm -f {mark} ;;\n'
        f"status) [ -e {mark} ] || exit 3 ;;\nesac\nexit 0\n"
    )
    lsb.chmod(0o755)
    conf = tmp_path / "cluster.conf"
    conf.write_text(
        '<cluster name="t" config_version="1">'
        '<clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>'
        f'<rm><service name="www"><script name="web" file="{lsb}"/>'
        f'<Dummy name="d" state="{state}"/></service></rm></cluster>'
    )
    agents = str(agent_dir())  # then the default dirs, which include Dummy's
    assert dummy.parent.name == "heartbeat"
    code, out, _ = rg_test(agents, "test", str(conf), "start", "service", "www")
    assert code == 0, out
    assert out.splitlines()[0] == "Starting www..." and out.splitlines()[-1] == "Start of www complete"
    assert mark.exists() and state.exists()
    code, out, _ = rg_test(agents, "test", str(conf), "status", "service", "www")
    assert (code, out.splitlines()[-1]) == (0, "Status of www is good")
    mark.unlink()  # the script's daemon "died"
    code, out, _ = rg_test(agents, "test", str(conf), "status", "service", "www")
    assert code == 1 and out.splitlines()[-1] == "Status check of www failed"
    assert 'status on script "web" returned 7 (not running)' in out  # LSB 3, in OCF words
    code, out, _ = rg_test(agents, "test", str(conf), "stop", "service", "www")
    assert (code, out.splitlines()[-1]) == (0, "Stop of www complete") and not state.exists()
