"""`fencelab install-agents` puts our agents where Pacemaker and fenced look, runnable without our virtualenv,
never over a stock agent; `fencelab uninstall-agents` removes exactly what it installed."""

from __future__ import annotations

import fcntl
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.pytest_plugin import require_tool
from harness.tools import our_tool, run

STOCK = "#!/bin/sh\necho stock ipmilan\n"
CLEAN_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}  # nothing of the test's virtualenv


def fencelab(*args: str) -> subprocess.CompletedProcess[str]:
    return run([our_tool("fencelab"), *args], timeout=120)


@pytest.fixture
def prefix(tmp_path: Path) -> Iterator[Path]:
    """A private prefix with a stock fence_ipmilan in its sbin; whatever an install left there is removed."""
    (tmp_path / "sbin").mkdir()
    stock = tmp_path / "sbin" / "fence_ipmilan"
    stock.write_text(STOCK)
    stock.chmod(0o755)
    yield tmp_path
    if (tmp_path / "lib" / "fencelab").exists():
        fencelab("uninstall-agents", "--prefix", str(tmp_path))


def metadata_name(agent: Path) -> str:
    done = subprocess.run(
        [str(agent), "-o", "metadata"], capture_output=True, text=True, timeout=30, env=CLEAN_ENV, cwd="/"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split('name="', 1)[1].split('"', 1)[0]


def test_install_to_a_prefix_keeps_the_stock_agent_and_uninstall_removes_only_ours(prefix: Path) -> None:
    sbin = prefix / "sbin"
    done = fencelab("install-agents", "--prefix", str(prefix))
    assert done.returncode == 0, done.stderr
    assert f"installed {sbin / 'fence_ipmilan_fencelab'} (runs fence_ipmilan)" in done.stdout.splitlines()
    assert (sbin / "fence_ipmilan").read_text() == STOCK  # never clobbered
    assert metadata_name(sbin / "fence_nps") == "fence_nps"  # runs without our venv on PATH
    assert metadata_name(sbin / "fence_ipmilan_fencelab") == "fence_ipmilan"
    assert not (sbin / "fence_ilo3").exists() and metadata_name(sbin / "fence_ilo3_fencelab") == "fence_ilo3"
    assert {p.name for p in sbin.iterdir()} >= {"fence_nps", "fence_ifmib_fencelab", "fence_brocade_fencelab",
                                               "fence_redfish_fencelab"}  # fmt: skip
    assert metadata_name(sbin / "fence_redfish_fencelab") == "fence_redfish"
    interpreter = (sbin / "fence_nps").read_text().splitlines()[0]
    assert interpreter == f"#!{prefix / 'lib' / 'fencelab' / 'bin' / 'python3'} -I"

    done = fencelab("uninstall-agents", "--prefix", str(prefix))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in sbin.iterdir()) == ["fence_ipmilan"]
    assert (sbin / "fence_ipmilan").read_text() == STOCK and not (prefix / "lib" / "fencelab").exists()


def test_replace_moves_the_stock_agent_aside_and_uninstall_restores_it(prefix: Path) -> None:
    sbin = prefix / "sbin"
    done = fencelab("install-agents", "--prefix", str(prefix), "--replace")
    assert done.returncode == 0, done.stderr
    assert (sbin / "fence_ipmilan.fencelab-saved").read_text() == STOCK
    assert metadata_name(sbin / "fence_ipmilan") == "fence_ipmilan"
    assert not (sbin / "fence_ipmilan_fencelab").exists()
    assert fencelab("uninstall-agents", "--prefix", str(prefix)).returncode == 0
    assert sorted(p.name for p in sbin.iterdir()) == ["fence_ipmilan"]
    assert (sbin / "fence_ipmilan").read_text() == STOCK


def test_refuses_a_libdir_that_is_not_its_own(tmp_path: Path) -> None:
    (tmp_path / "sbin").mkdir()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep").write_text("x")
    done = fencelab("install-agents", "--prefix", str(tmp_path), "--libdir", str(tmp_path / "mine"))
    assert done.returncode == 1 and (tmp_path / "mine" / "keep").exists()
    assert done.stderr == (
        f"fencelab install-agents: {tmp_path / 'mine'} exists and holds no fencelab agents: "
        "choose another --libdir\n"
    )
    gone = fencelab("uninstall-agents", "--prefix", str(tmp_path))
    assert gone.returncode == 1 and "no fencelab agents installed there" in gone.stderr


@pytest.fixture
def system_lock() -> Iterator[None]:
    """Several checkouts run their suites on one machine: one system install of fence_nps at a time."""
    with open("/tmp/fencelab-install-agents-test.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.mark.interop
def test_system_install_is_seen_by_pacemaker_and_runs_as_hacluster(system_lock: None, tmp_path: Path) -> None:
    require_tool("stonith_admin")
    require_tool("runuser")
    if os.geteuid() != 0:
        pytest.skip("installing into /usr/sbin needs root")
    if Path("/usr/sbin/fence_nps").exists():
        pytest.fail("/usr/sbin/fence_nps exists already: run `fencelab uninstall-agents` first")
    libdir = f"/usr/local/lib/fencelab-test-{os.getpid()}"
    done = fencelab("install-agents", "--libdir", libdir)
    try:
        assert done.returncode == 0, done.stderr
        meta = run(["stonith_admin", "--metadata", "--agent", "fence_nps"], timeout=60)
        assert meta.returncode == 0 and 'name="fence_nps"' in meta.stdout, meta.stderr
        as_hacluster = run(["runuser", "-u", "hacluster", "--", "/usr/sbin/fence_nps", "-o", "metadata"])
        assert as_hacluster.returncode == 0 and as_hacluster.stdout.startswith("<?xml"), as_hacluster.stderr
        assert Path("/usr/sbin/fence_ipmilan").read_text().startswith("#!/usr/bin/python3")  # stock kept
    finally:
        gone = fencelab("uninstall-agents", "--libdir", libdir)
    assert gone.returncode == 0, gone.stderr
    assert not Path("/usr/sbin/fence_nps").exists() and not Path(libdir).exists()
