"""The demo's IPMI act: a node process powered by the chassis of an emulated BMC, fenced through our
fence_ipmilan run as a separate process with the stdin Pacemaker's fencer gives it (RMCP+, lanplus=1).

Shown: a status, a reboot (the node process dies with the chassis and starts again with it) and a refusal:
an account with ``user`` privilege may look but not power off, and the node keeps running.
"""

from __future__ import annotations

from harness.demo_calls import fence_call
from harness.emulator_process import Emulator, start_emulator
from harness.node_watch import NodeWatch
from harness.timeline import Timeline

NODE = "blade1"
ADMIN, ADMIN_PASSWORD = "admin", "ipmi-Adm1n"  # shown as *** in the timeline
VIEWER, VIEWER_PASSWORD = "monitor", "ipmi-V1ew"


def _stdin(bmc: Emulator, user: str, password: str, *extra: str) -> list[str]:
    return [
        f"ip={bmc.host}",
        f"ipport={bmc.port('bmc1')}",
        f"username={user}",
        f"password={password}",
        "lanplus=1",
        *extra,
    ]


def ipmi_section(timeline: Timeline, watch: NodeWatch) -> bool:
    timeline.section("IPMI: a node behind an emulated BMC")
    config = {
        "users": {
            ADMIN: {"password": ADMIN_PASSWORD, "privilege": "administrator"},
            VIEWER: {"password": VIEWER_PASSWORD, "privilege": "user"},
        },
        "target": watch.command(NODE),
    }
    bmc: Emulator
    with start_emulator("bmc", config=config) as bmc:
        users = bmc.credentials.get("users", {})
        accounts = ", ".join(f"{name} ({entry['privilege']})" for name, entry in users.items())
        timeline.add("bmc", f"BMC up: IPMI 2.0 RMCP+ on udp {bmc.host}:{bmc.port('bmc1')}; users {accounts}")
        watch.wait(NODE, running=True)
        status = fence_call(
            timeline, "fence_ipmilan", _stdin(bmc, ADMIN, ADMIN_PASSWORD, "action=status"), who="operator"
        )
        timeline.add("cluster", f"{NODE} is declared lost: the fencer reboots it through its BMC")
        reboot = fence_call(
            timeline,
            "fence_ipmilan",
            _stdin(bmc, ADMIN, ADMIN_PASSWORD, f"nodename={NODE}", "action=reboot"),
            who="fencer",
        )
        watch.wait(NODE, running=True, starts=2)
        pid = watch.pids.get(NODE)
        timeline.add("operator", f"a monitoring account ({VIEWER}, privilege user) tries to power {NODE} off")
        refused = fence_call(
            timeline,
            "fence_ipmilan",
            _stdin(bmc, VIEWER, VIEWER_PASSWORD, "privlvl=user", "action=off"),
            who=VIEWER,
        )
        chassis = bmc.control({"cmd": "state"})
        still = watch.pids.get(NODE) == pid and watch.starts.get(NODE) == 2
        offs = chassis.get("power_offs")
        timeline.add(
            NODE,
            f"{'still running' if still else 'NOT the same process'} (pid {watch.pids.get(NODE)}); "
            f"BMC: chassis {'on' if chassis.get('on') else 'off'}, "
            f"{offs} power-off{'' if offs == 1 else 's'} so far{' (the reboot)' if offs == 1 else ''}",
        )
        timeline.add("bmc", "BMC process stops: the chassis loses power")
    watch.wait(NODE, running=False)
    return (
        status.rc == 0
        and status.said == "Status: ON"
        and reboot.rc == 0
        and refused.rc == 1
        and "insufficient privilege" in refused.said
        and still
        and chassis.get("on") is True
        and chassis.get("power_offs") == 1
    )
