"""``fencelab emulate bmc`` as a process: many BMCs one process each, control, clean stop, reaping, wiring."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

from harness.pytest_plugin import Emulator, emulate_command
from harness.tools import pid_running

from .support import (
    USERS,
    bmc_config,
    by_argv,
    controlled_fleet,
    python_client,
    status_of,
    wait_for,
)


def test_many_bmcs_one_process_each(emulator: Callable[..., Emulator]) -> None:
    fleet = emulator("bmc", config=bmc_config(count=3))
    bmcs = fleet.info["bmcs"]
    assert [b["name"] for b in bmcs] == ["bmc1", "bmc2", "bmc3"]
    assert len({b["port"] for b in bmcs}) == 3
    assert len({b["pid"] for b in bmcs} | {fleet.pid}) == 4
    assert fleet.host == "127.0.0.1" and fleet.credentials["username"] == "admin"
    off = by_argv(fleet, "-o", "off", port=fleet.port("bmc2"))
    assert off.out == "Success: Powered OFF\n", off.err
    states = [by_argv(fleet, "-o", "status", port=fleet.port(n)).out for n in ("bmc1", "bmc2", "bmc3")]
    assert states == ["Status: ON\n", "Status: OFF\n", "Status: ON\n"]


def test_stop_and_start_one_bmc_independently() -> None:
    with controlled_fleet(bmc_config(count=2)) as fleet:
        stopped = fleet.control({"cmd": "stop", "bmc": "bmc2"})
        assert (stopped["ok"], stopped["running"]) == (True, False)
        dead = status_of(fleet.ports["bmc2"], "--login-timeout", "1")
        assert dead.rc == 1 and "no answer from the BMC" in dead.err
        assert status_of(fleet.ports["bmc1"]).out == "Status: ON\n"
        started = fleet.control({"cmd": "start", "bmc": "bmc2"})
        assert started["running"] and started["port"] == fleet.ports["bmc2"]  # same port as before
        assert status_of(fleet.ports["bmc2"]).out == "Status: ON\n"
        assert not fleet.control({"cmd": "stop", "bmc": "bmc9"})["ok"]


def test_sigterm_stops_every_bmc_process() -> None:
    fleet = controlled_fleet(bmc_config(count=2))
    pids = [b["pid"] for b in fleet.info["bmcs"]]
    assert all(pid_running(p) for p in pids)
    assert fleet.stop() == 0
    wait_for(lambda: not any(pid_running(p) for p in pids), what="BMC workers to exit")


def test_bmcs_exit_when_the_fleet_is_killed() -> None:
    fleet = controlled_fleet(bmc_config(count=2))
    pids = [b["pid"] for b in fleet.info["bmcs"]]
    os.kill(fleet.proc.pid, signal.SIGKILL)
    fleet.stop()
    wait_for(lambda: not any(pid_running(p) for p in pids), what="orphaned BMC workers to exit")


def test_bad_configuration_one_line_exit_2() -> None:
    done = subprocess.run(
        emulate_command("bmc", ["--host", "::"]),
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "fencelab emulate bmc: config.host: refusing to bind to '::': give a loopback or host address"
    ]
    bad_user = subprocess.run(
        emulate_command("bmc", ["--user", "x:y:root"]), capture_output=True, text=True, timeout=30
    )
    assert bad_user.returncode == 2 and "unknown privilege level 'root'" in bad_user.stderr


def test_taken_port_exit_1(emulator: Callable[..., Emulator]) -> None:
    first = emulator("bmc", config=bmc_config())
    done = subprocess.run(
        emulate_command("bmc", ["--port", str(first.port("bmc1"))]),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert "cannot start" in done.stderr and "Traceback" not in done.stderr


def test_idle_sessions_are_reaped() -> None:
    with controlled_fleet(bmc_config(session_timeout=0.3)) as fleet:
        port = fleet.ports["bmc1"]
        client = python_client(
            textwrap.dedent(f"""
            import os
            from pyghmi.ipmi.private import session
            s = session.Session(bmc="127.0.0.1", userid="admin", password={USERS["admin"]["password"]!r},
                                port={port}, privlevel=4)
            print(s.raw_command(netfn=0, command=1)["code"], flush=True)
            os._exit(0)  # gone without closing the session, like a crashed client
            """)
        )
        assert client.stdout.strip() == "0", client.stderr
        assert fleet.control({"cmd": "state", "bmc": "bmc1"})["logins"] >= 1
        state = {"cmd": "state", "bmc": "bmc1"}
        wait_for(lambda: fleet.control(state)["sessions"] == 0, what="the idle session to be reaped")


def pyghmi_viewer_tries_chassis_control(bmc: Emulator) -> subprocess.CompletedProcess[str]:
    """pyghmi's client (the referee) logs in as a user-level account; prints its hash (256: suite 17,
    1: suite 3) and the completion code of a Chassis Control it is not allowed."""
    return python_client(
        textwrap.dedent(f"""
        from pyghmi.ipmi.private import session
        s = session.Session(bmc="127.0.0.1", userid="viewer", password={USERS["viewer"]["password"]!r},
                            port={bmc.port("bmc1")}, privlevel=2)
        print(s.attemptedhash, s.raw_command(netfn=0, command=2, data=[0])["code"], flush=True)
        s.logout()
        """)
    )


def test_pyghmi_client_falls_back_to_suite_3_and_sees_0xd4(emulator: Callable[..., Emulator]) -> None:
    bmc = emulator("bmc", config=bmc_config(cipher_suites=[3]))  # an older BMC: suite 3 only
    client = pyghmi_viewer_tries_chassis_control(bmc)
    assert client.stdout.split() == ["1", "212"], client.stderr  # suite 3 (SHA-1), 0xd4


def test_pyghmi_client_logs_in_with_suite_17(emulator: Callable[..., Emulator]) -> None:
    bmc = emulator("bmc", config=bmc_config())  # offers 17 and 3
    client = pyghmi_viewer_tries_chassis_control(bmc)
    assert client.stdout.split() == ["256", "212"], client.stderr  # suite 17 (SHA-256), 0xd4


def test_chassis_powers_a_wired_process(emulator: Callable[..., Emulator]) -> None:
    pidfile = Path(tempfile.mkdtemp(prefix="fencelab-wire-")) / "pids"
    target = [
        sys.executable,
        "-c",
        f"import os,time; open({str(pidfile)!r},'a').write(f'{{os.getpid()}}\\n'); time.sleep(600)",
    ]
    bmc = emulator("bmc", config=bmc_config(target=target))

    def pids() -> list[int]:
        return [int(p) for p in pidfile.read_text().split()] if pidfile.exists() else []

    wait_for(lambda: len(pids()) == 1, what="the wired machine to start")
    first = pids()[0]
    assert by_argv(bmc, "-o", "off").rc == 0
    wait_for(lambda: not pid_running(first), what="power-off to kill the machine")
    assert by_argv(bmc, "-o", "on").rc == 0
    wait_for(lambda: len(pids()) == 2 and pid_running(pids()[1]), what="power-on to start it again")
    assert by_argv(bmc, "-o", "reboot", "-m", "cycle").rc == 0
    wait_for(lambda: len(pids()) == 3, what="a cycle to restart it")
    bmc.stop()
    wait_for(lambda: not any(pid_running(p) for p in pids()), what="the emulator's stop to power it off")


def test_pyghmi_command_api_works_against_it(emulator: Callable[..., Emulator]) -> None:
    bmc = emulator("bmc", config=bmc_config())
    client = python_client(
        textwrap.dedent(f"""
        from pyghmi.ipmi import command
        c = command.Command(bmc="127.0.0.1", userid="admin", password={USERS["admin"]["password"]!r},
                            port={bmc.port("bmc1")})
        before, pending = c.get_power()["powerstate"], c.set_power("off")["pendingpowerstate"]
        print(before, pending, c.get_power()["powerstate"])
        c.set_bootdev("pxe")
        print(c.get_bootdev()["bootdev"])
        """)
    )
    assert client.stdout.split() == ["on", "off", "off", "network"], client.stderr
