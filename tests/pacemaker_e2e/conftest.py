"""The www lab on real Corosync + Pacemaker (harness.pacemaker.www_lab): root and the stack are required;
under CI=true a missing one fails the test instead of skipping it."""

from __future__ import annotations

import os

import pytest

from harness.pytest_plugin import in_ci, require_tool

STACK = ("corosync", "pacemakerd", "crm_mon", "stonith_admin", "cibadmin", "crm_attribute")


def need_stack() -> None:
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("the Pacemaker end-to-end tests need root (namespaces, mounts)")
        pytest.skip("needs root (namespaces, mounts)")
    for tool in STACK:
        require_tool(tool)
