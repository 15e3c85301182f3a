"""End to end from LDAP: a 3-node lab whose nodes load their configuration from a real slapd (ldapconfig),
fence over the emulated NPS, and pick up a new config_version from LDAP with ``cman_tool version -r``."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from harness.lab import ClusterLab, wait_for
from harness.ldap_server import LdapServer
from harness.tools import run

pytestmark = [pytest.mark.slow, pytest.mark.interop]


def test_lab_from_ldap_fences_and_reloads(slapd: LdapServer, tmp_path: Path) -> None:
    with ClusterLab(tmp_path, nodes=3, token_ms=400, ldap=slapd) as lab:
        lab.wait_up()
        assert "-C" in lab.node_argv(1) and "-c" not in lab.node_argv(1)  # no cluster.conf given to nodes
        old = lab.pid(3)
        assert old is not None
        os.kill(old, signal.SIGKILL)
        [record] = wait_for(
            "node3 fenced",
            lambda: [r for r in lab.history(1, "node3") if r["result"] == "success"],
            20,
        )
        assert (record["device"], record["by"]) == ("nps", "node1")
        lab.wait_members([1, 2, 3], [1, 2, 3], 20)

        # a new version, published as the article suggests: edit the XML, generate the LDIF changes
        before = tmp_path / "cluster.conf.v1"
        before.write_text(lab.conf_path.read_text())
        lab.conf_path.write_text(
            lab.conf_path.read_text().replace('config_version="1"', 'config_version="2"')
        )
        env = {"FENCELAB_RUN_DIR": str(lab.run_dir(2))}
        early = run([sys.executable, "-m", "cluster.tools.cman_tool", "version", "-r"], env=env, timeout=30)
        assert early.returncode == 1, "the nodes read LDAP, not the edited cluster.conf"
        lab.publish_ldap(since=before)
        reload = run([sys.executable, "-m", "cluster.tools.cman_tool", "version", "-r"], env=env, timeout=30)
        assert reload.returncode == 0, reload.stderr
        for n in lab.ids():
            wait_for(f"node{n} at version 2", lambda n=n: lab.status(n)["config_version"] == 2, 10)
        again = run([sys.executable, "-m", "cluster.tools.cman_tool", "version", "-r"], env=env, timeout=30)
        assert again.returncode == 1
        assert "Not reloading, config version older or equal the running config" in again.stderr
