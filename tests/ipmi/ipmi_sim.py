"""OpenIPMI's ipmi_sim as a BMC we did not write: a temporary config, a chassis script, the bound port.

The simulator binds 127.0.0.1 port 0 (any free port) and we read the port it got from /proc, so there is
no window in which another program could take a port we picked. Power lives in a file the
``chassis_control`` script reads and writes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ADMIN = ("admin", "sim-Secret-1")

CHASSIS_SCRIPT = """#!/bin/sh
# ipmi_sim chassis_control: "get power" prints power:N, "set power N" stores N
state="$(dirname "$0")/power"
cmd="$1"; shift
while [ $# -gt 0 ]; do
  case "$cmd:$1" in
    get:power) echo "power:$(cat "$state")" ;;
    set:power) echo "$2" > "$state"; shift ;;
  esac
  shift
done
"""

LAN_CONF = """name "fencelab"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 0
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  chassis_control "{script}"
  user 2 true "{user}" "{password}" admin 10 none md2 md5 straight
"""

EMULATOR_COMMANDS = """mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
mc_enable 0x20
"""


def _udp_ports_of(pid: int) -> list[int]:
    """Local UDP ports of the sockets a process holds (via its fd inodes and /proc/net/udp)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[9] in inodes and fields[1].startswith("0100007F:"):
            ports.append(int(fields[1].split(":")[1], 16))
    return ports


class IpmiSim:
    def __init__(self, binary: str, powered: bool = True, timeout: float = 10.0) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="fencelab-ipmi-sim-"))
        script = self.dir / "chassis.sh"
        script.write_text(CHASSIS_SCRIPT)
        script.chmod(0o700)
        self.power_file = self.dir / "power"
        self.power_file.write_text("1\n" if powered else "0\n")
        conf = self.dir / "lan.conf"
        conf.write_text(LAN_CONF.format(script=script, user=ADMIN[0], password=ADMIN[1]))
        conf.chmod(0o600)
        commands = self.dir / "sim.emu"
        commands.write_text(EMULATOR_COMMANDS)
        self.proc = subprocess.Popen(
            [binary, "-c", str(conf), "-f", str(commands), "-s", str(self.dir / "state"), "-n"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        ports: list[int] = []
        while not ports:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("ipmi_sim did not bind a UDP port on 127.0.0.1")
            time.sleep(0.02)
            ports = _udp_ports_of(self.proc.pid)
        self.port = ports[0]

    @property
    def powered(self) -> bool:
        return self.power_file.read_text().strip() == "1"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)
