"""The bundled agents' behaviour beyond ocf-tester: rgmanager's metadata, interface choice, ARP, forced
unmounts, self-fencing, deep status checks, LSB codes; every failure one line with the OCF code."""

from __future__ import annotations

import os
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cluster.rm_agents import AGENTS
from harness.namespaces import MountNamespace
from harness.waiting import wait_for

from .conftest import Subnet, agent

ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


def call(name: str, action: str, params: dict[str, str], prefix: list[str] | None = None, **env: str):
    full = dict(ENV, **{f"OCF_RESKEY_{k}": v for k, v in params.items()}, **env)
    return subprocess.run(
        (prefix or []) + [agent(name), action], capture_output=True, text=True, env=full, timeout=60
    )


def metadata(name: str, rgmanager: bool) -> ET.Element:
    env = dict(ENV, OCF_RA_DIALECT="rgmanager") if rgmanager else ENV
    out = subprocess.run([agent(name), "meta-data"], capture_output=True, text=True, env=env, timeout=10)
    assert out.returncode == 0
    return ET.fromstring(out.stdout)


@pytest.mark.parametrize("name", AGENTS)
def test_plain_metadata_has_no_rgmanager_extensions(name: str) -> None:
    root = metadata(name, rgmanager=False)
    assert root.get("name") == name
    assert root.find("special") is None
    assert all(p.get("primary") is None and p.get("inherit") is None for p in root.iter("parameter"))
    assert "monitor" in {a.get("name") for a in root.iter("action")}


def test_rgmanager_metadata_matches_rgmanager_rules() -> None:
    service = metadata("service", rgmanager=True)
    levels = {c.get("type"): (c.get("start"), c.get("stop")) for c in service.iter("child")}
    assert levels["fs"] == ("2", "8") and levels["ip"] == ("7", "2") and levels["script"] == ("9", "1")
    assert "status" not in {a.get("name") for a in service.iter("action")}  # service.sh has no status
    ip = metadata("ip", rgmanager=True)
    params = {p.get("name"): p for p in ip.iter("parameter")}
    assert params["address"].get("primary") == "1" and params["address"].get("unique") == "1"
    assert params["nfslock"].get("inherit") == "service%nfslock"
    depths = sorted(int(a.get("depth") or 0) for a in ip.iter("action") if a.get("name") == "status")
    assert depths == [0, 10]
    fs = metadata("fs", rgmanager=True)
    assert sorted(int(a.get("depth") or 0) for a in fs.iter("action") if a.get("name") == "status") == [
        0,
        10,
        20,
    ]
    script = metadata("script", rgmanager=True)
    assert {p.get("name"): p.get("inherit") for p in script.iter("parameter")}[
        "service_name"
    ] == "service%name"


def test_unknown_action_is_unimplemented_and_no_action_is_usage() -> None:
    assert call("service", "promote", {"name": "x"}).returncode == 3
    out = subprocess.run([agent("service")], capture_output=True, text=True, timeout=10)
    assert out.returncode == 2 and out.stderr.startswith("usage: service")


def test_ip_goes_to_the_interface_holding_its_subnet_and_announces_itself(subnet: Subnet) -> None:
    node = subnet.node
    node.run(["ip", "link", "add", "eth1", "type", "veth", "peer", "name", "eth1p"], check=True)
    node.run(["ip", "addr", "add", "198.51.100.1/24", "dev", "eth1"], check=True)
    node.run(["ip", "link", "set", "eth1", "up"], check=True)
    node.run(["ip", "link", "set", "eth1p", "up"], check=True)
    seen = threading.Event()

    def sniff() -> None:  # in the neighbour's namespace: a gratuitous ARP for the floating address
        code = (
            "import socket,sys\n"
            "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(0x0806));s.bind(('peer0',0))\n"
            "s.settimeout(10);print('ready',flush=True)\n"
            "while True:\n"
            "    f=s.recv(100)\n"
            "    a=socket.inet_aton('192.0.2.100')\n"
            "    if f[28:32]==a and f[38:42]==a:\n"
            "        print('garp');break\n"
        )
        proc = subprocess.Popen(
            subnet.peer.exec_argv(["python3", "-c", code]), stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        if proc.stdout.readline().strip() == "ready":
            ready.set()
        if proc.stdout.readline().strip() == "garp":
            seen.set()
        proc.wait(timeout=15)

    ready = threading.Event()
    sniffer = threading.Thread(target=sniff)
    sniffer.start()
    assert ready.wait(10)
    out = call("ip", "start", {"address": "192.0.2.100", "sleeptime": "0"}, node.exec_argv([]))
    sniffer.join(15)
    assert out.returncode == 0, out.stderr
    addrs = node.run(["ip", "-o", "-4", "addr", "show", "dev", "eth0"]).stdout
    assert "192.0.2.100/24" in addrs  # the subnet's prefix, on the interface that holds the subnet
    assert seen.is_set(), "no gratuitous ARP reached the neighbour"
    ping = subnet.peer.run(["python3", "-c", "import socket;s=socket.create_connection(('192.0.2.100',9),2)"])
    assert "refused" in ping.stderr.lower()  # the neighbour reaches the address (RST from the node)
    assert (
        call("ip", "status", {"address": "192.0.2.100"}, node.exec_argv([]), OCF_CHECK_LEVEL="10").returncode
        == 0
    )
    assert (
        call("ip", "stop", {"address": "192.0.2.100", "sleeptime": "0"}, node.exec_argv([])).returncode == 0
    )
    assert call("ip", "status", {"address": "192.0.2.100"}, node.exec_argv([])).returncode == 7


def test_ip_refuses_an_address_no_interface_can_hold(subnet: Subnet) -> None:
    out = call("ip", "start", {"address": "203.0.113.9"}, subnet.node.exec_argv([]))
    assert out.returncode == 1
    assert out.stderr.strip() == "ip: start of ip: no interface has a subnet that holds 203.0.113.9"


def test_ip_with_monitor_link_refuses_an_interface_without_carrier(subnet: Subnet) -> None:
    subnet.peer.run(["ip", "link", "set", "peer0", "down"], check=True)  # the cable is pulled at the far end
    out = call("ip", "start", {"address": "192.0.2.100"}, subnet.node.exec_argv([]))
    assert out.returncode == 1 and "has no link" in out.stderr
    out = call(
        "ip",
        "start",
        {"address": "192.0.2.100", "monitor_link": "0", "sleeptime": "0"},
        subnet.node.exec_argv([]),
    )
    assert out.returncode == 0


def test_bad_ip_address_is_a_configuration_error() -> None:
    out = call("ip", "validate-all", {"address": "192.0.2.300"})
    assert out.returncode == 6 and out.stderr.count("\n") == 1 and "not an IP address" in out.stderr


def fs_params(image: Path, mountpoint: Path, **extra: str) -> dict[str, str]:
    return {"name": "data", "device": str(image), "mountpoint": str(mountpoint), "fstype": "ext4", **extra}


def test_fs_stop_kills_holders_only_with_force_unmount(
    ext4_image: Path, tmp_path: Path, mount_ns: MountNamespace
) -> None:
    mnt = tmp_path / "mnt"
    params = fs_params(ext4_image, mnt)
    pre = mount_ns.exec_argv([])
    assert call("fs", "start", params, pre).returncode == 0
    holder = subprocess.Popen(mount_ns.exec_argv(["sh", "-c", f"cd {mnt} && exec sleep 600"]))
    try:

        def holding() -> bool:
            return mount_ns.run(["sh", "-c", f"fuser -m {mnt}"]).stdout.strip() != ""

        wait_for("a process holding the mountpoint", holding, 10)
        out = call("fs", "stop", params, pre)
        assert out.returncode == 1 and "could not unmount" in out.stderr
        assert call("fs", "status", params, pre).returncode == 0  # still mounted: nothing was lost
        out = call("fs", "stop", dict(params, force_unmount="1"), pre)
        assert out.returncode == 0, out.stderr
        assert holder.wait(timeout=10) != 0
        assert call("fs", "status", params, pre).returncode == 7
    finally:
        holder.kill()
        holder.wait()


def test_fs_self_fence_runs_when_unmount_fails(
    ext4_image: Path, tmp_path: Path, mount_ns: MountNamespace
) -> None:
    mnt, marker = tmp_path / "mnt", tmp_path / "fenced"
    params = fs_params(ext4_image, mnt, self_fence="1")
    pre = mount_ns.exec_argv([])
    assert call("fs", "start", params, pre).returncode == 0
    holder = subprocess.Popen(mount_ns.exec_argv(["sh", "-c", f"cd {mnt} && exec sleep 600"]))
    try:
        wait_for("the holder", lambda: mount_ns.run(["fuser", "-m", str(mnt)]).stdout.strip(), 10)
        out = call("fs", "stop", params, pre, FENCELAB_SELF_FENCE_COMMAND=f"touch {marker}")
        assert out.returncode == 1
        assert marker.exists(), out.stderr
    finally:
        holder.kill()
        holder.wait()
        call("fs", "stop", dict(params, force_unmount="1", self_fence="0"), pre)


def test_fs_deep_status_writes_and_reads_back(
    ext4_image: Path, tmp_path: Path, mount_ns: MountNamespace
) -> None:
    mnt = tmp_path / "mnt"
    pre = mount_ns.exec_argv([])
    assert call("fs", "start", fs_params(ext4_image, mnt), pre).returncode == 0
    try:
        assert call("fs", "status", fs_params(ext4_image, mnt), pre, OCF_CHECK_LEVEL="20").returncode == 0
        listing = mount_ns.run(["ls", "-A", str(mnt)]).stdout.split()
        assert listing == ["lost+found"]  # the probe file is gone again
        mount_ns.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        assert call("fs", "status", fs_params(ext4_image, mnt), pre, OCF_CHECK_LEVEL="20").returncode == 0
    finally:
        call("fs", "stop", fs_params(ext4_image, mnt, force_unmount="1"), pre)
    assert str(mnt) not in Path("/proc/self/mounts").read_text()  # the host never saw the mount


def test_fs_refuses_a_mountpoint_with_another_filesystem(
    ext4_image: Path, tmp_path: Path, mount_ns: MountNamespace
) -> None:
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mount_ns.run(["mount", "-t", "tmpfs", "tmpfs", str(mnt)], check=True)
    out = call("fs", "start", fs_params(ext4_image, mnt), mount_ns.exec_argv([]))
    assert out.returncode == 1 and "already has tmpfs mounted" in out.stderr
    assert call("fs", "status", fs_params(ext4_image, mnt), mount_ns.exec_argv([])).returncode == 1


def test_fs_missing_device_is_not_installed(tmp_path: Path) -> None:
    out = call("fs", "start", fs_params(tmp_path / "nope.img", tmp_path / "mnt"))
    assert out.returncode == 5 and out.stderr.strip().endswith("does not exist")


def lsb(tmp_path: Path, status_code: int, start_code: int = 0) -> Path:
    script = tmp_path / "lsb.sh"
    script.write_text(
        f'#!/bin/sh\ncase "$1" in start) echo boom >&2; exit {start_code};; stop) exit 0;;'
        f" status) exit {status_code};; esac\n"
    )
    script.chmod(0o755)
    return script


@pytest.mark.parametrize(("lsb_code", "ocf_code"), [(0, 0), (3, 7), (1, 1), (4, 1)])
def test_script_maps_lsb_status_codes(tmp_path: Path, lsb_code: int, ocf_code: int) -> None:
    params = {"name": "s", "file": str(lsb(tmp_path, lsb_code))}
    assert call("script", "status", params).returncode == ocf_code
    assert call("script", "monitor", params).returncode == ocf_code


def test_script_start_failure_is_one_line_naming_the_script(tmp_path: Path) -> None:
    script = lsb(tmp_path, 3, start_code=1)
    out = call("script", "start", {"name": "s", "file": str(script)})
    assert out.returncode == 1
    assert out.stderr == f"script: start of script: {script} start exited 1: boom\n"


def test_script_missing_file_is_not_installed(tmp_path: Path) -> None:
    out = call("script", "validate-all", {"name": "s", "file": str(tmp_path / "missing")})
    assert out.returncode == 5


def test_agents_run_for_an_unprivileged_user() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch user")
    for name in AGENTS:
        out = subprocess.run(
            ["runuser", "-u", "nobody", "--", agent(name), "meta-data"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert out.returncode == 0, out.stderr


def test_agent_dir_makes_the_agents_executable_again(tmp_path: Path) -> None:
    import shutil

    import cluster.rm_agents as pkg

    copy = tmp_path / "rm_agents"
    shutil.copytree(Path(pkg.__file__).parent, copy)
    for name in AGENTS:
        (copy / f"{name}.py").chmod(0o644)  # as pip installs package files from a wheel
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import rm_agents as r; print(r.agent_dir())"
    out = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == str(copy)
    assert all(os.access(copy / f"{name}.py", os.X_OK) for name in AGENTS)
