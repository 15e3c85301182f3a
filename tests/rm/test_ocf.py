"""The OCF calling convention: clean environment, instance names, exit-code meaning."""

from __future__ import annotations

from cluster.rm.ocf import code_text, invocation, op_succeeded

from .support import rm_from_text


def test_invocation_environment_is_clean_and_complete() -> None:
    conf, _ = rm_from_text(
        '<service name="www" nfslock="1"><ip address="192.0.2.5/24" __enforce_timeouts="1"/>'
        '<script name="s" file="/etc/init.d/x"/></service>'
    )
    ip, script = conf.services[0].root.children
    call = invocation(ip, "status", depth=10)
    assert call.op == "status" and call.timeout == 20  # enforced: the depth-10 status timeout
    assert call.env == {
        "OCF_RESKEY_address": "192.0.2.5/24",
        "OCF_RESKEY_monitor_link": "1",
        "OCF_RESKEY_nfslock": "1",
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "0",
        "OCF_ROOT": "/usr/share/cluster",
        "OCF_RESOURCE_INSTANCE": "ip:192.0.2.5/24",
        "OCF_RESOURCE_TYPE": "ip",
        "OCF_CHECK_LEVEL": "10",
        "OCF_RESKEY_RGMANAGER_meta_refcnt": "1",
    }  # no PATH, nothing of ours
    start = invocation(script, "start")
    assert start.timeout is None and "OCF_RESKEY_RGMANAGER_meta_timeout" not in start.env  # timeout 0: none
    assert start.env["OCF_RESKEY_service_name"] == "www"


def test_exit_codes() -> None:
    assert op_succeeded("start", 0) and not op_succeeded("status", 7)
    assert op_succeeded("stop", 5, ever_started=False) and not op_succeeded("stop", 5, ever_started=True)
    assert [code_text(c) for c in (1, 7, None, 42)] == [
        "generic error",
        "not running",
        "timed out",
        "unspecified error",
    ]
