"""The translated stonith parameters work: each primitive's instance attributes, fed to our agent on stdin
the way Pacemaker's fencer does (plus action, nodename and the plug from pcmk_host_map), get a verified
status from the emulator of its device, started with the conf's own credentials as a lab starts it."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cluster.config import load_cluster_conf
from harness.emulator_process import Emulator
from harness.lab_plan import bmc_config, nps_config, plan_lab, san_config
from harness.pacemaker.translate import translate
from harness.tools import our_tool

from .support import DATA, addresses, element, params

HOST = "127.0.0.1"


@pytest.fixture
def devices(emulator: Callable[..., Emulator]) -> Iterator[dict[str, tuple[str, int]]]:
    """The three-device conf's emulators on loopback: fencedevice name -> (address, port)."""
    plan = plan_lab(load_cluster_conf(DATA / "three_devices.conf"))
    wire = {f.id: ["/bin/true"] for d in plan.devices for f in d.feeds}  # nothing is powered here
    endpoints: dict[str, tuple[str, int]] = {}
    bmcs = [d for d in plan.devices if d.kind == "bmc"]
    fleet = emulator("bmc", config=bmc_config(bmcs, HOST, wire), timeout=20)
    for device in bmcs:
        endpoints[device.name] = (HOST, fleet.ports[device.name])
    for device in plan.devices:
        if device.kind == "nps":
            config: dict[str, Any] = {**nps_config(device, HOST, wire), "relay_delay": 0, "boot_delay": 0}
            endpoints[device.name] = (HOST, emulator("nps", config=config).ports["telnet"])
        elif device.kind == "san":
            endpoints[device.name] = (HOST, emulator("san", config=san_config(device, HOST)).ports["snmp"])
    yield endpoints


def fencer_stdin(primitive: Any, node: str, action: str) -> str:
    """What pacemaker-fenced sends (reference/pacemaker-lab.md): the device parameters but pcmk_*, the
    action, the target, and the host argument (``plug``, our agents' metadata name) from the map."""
    attrs = params(primitive)
    lines = {k: v for k, v in attrs.items() if not k.startswith("pcmk_")}
    lines |= {"action": action, "nodename": node}
    if attrs.get("pcmk_host_argument") != "none":
        mapping = dict(item.split(":", 1) for item in attrs["pcmk_host_map"].split(";"))
        lines["plug"] = mapping[node]
    return "".join(f"{k}={v}\n" for k, v in lines.items())


def test_every_primitive_gets_a_status_from_its_device(devices: dict[str, tuple[str, int]]) -> None:
    conf = load_cluster_conf(DATA / "three_devices.conf")
    plan = translate(conf, devices, addresses(conf), agent_names={})  # run our agents by their own names
    checked = []
    for text in plan.resources:
        prim = element(text)
        if prim.get("class") != "stonith":
            continue
        node = params(prim)["pcmk_host_list"].split(",")[-1]
        stdin = fencer_stdin(prim, node, "status")
        out = subprocess.run(
            [our_tool(prim.get("type", ""))], input=stdin, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, f"{prim.get('id')}: {out.stdout}{out.stderr}"
        assert "Status: ON" in out.stdout, out.stdout
        checked.append(prim.get("id"))
    assert checked == ["nps", "bmc1", "bmc2", "bmc3", "san"]
