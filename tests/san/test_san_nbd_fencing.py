"""The proof of fabric fencing on the storage side, with a real NBD client (qemu-io from qemu-utils).

Write and read back while node2's port is enabled; our fence_ifmib (a separate process) disables the port;
the same write now fails; ``-o on`` unfences and the write works again; the array's journal shows no write
from node2 between the fence and the unfence.
"""

from __future__ import annotations

import pytest

from emulators.san.journal import writes_while_fenced
from harness.pytest_plugin import Emulator, require_tool
from harness.tools import run

from .helpers import fence_ifmib, journal

pytestmark = pytest.mark.interop


def qemu_io(san: Emulator, export: str, *commands: str) -> tuple[int, str]:
    argv = [require_tool("qemu-io"), "-f", "raw"]
    for command in commands:
        argv += ["-c", command]
    proc = run([*argv, f"nbd://127.0.0.1:{san.port('nbd')}/{export}"], timeout=30)
    return proc.returncode, proc.stdout + proc.stderr


def test_fenced_host_cannot_write_until_unfenced(fresh: Emulator) -> None:
    write = "write -P 0x5a 65536 4k"
    rc, out = qemu_io(fresh, "node2/lun0", write, "read -P 0x5a 65536 4k")
    assert rc == 0 and "read 4096/4096" in out, out

    rc, out, err = fence_ifmib(fresh, "-c", "private", "-n", "port2", "-o", "off")
    assert (rc, out) == (0, "Success: Powered OFF\n"), err
    rc, out = qemu_io(fresh, "node2/lun0", write)
    assert rc != 0 and "wrote" not in out
    rc, out = qemu_io(fresh, "node1/lun0", "read -P 0x5a 65536 4k")  # other hosts keep their path
    assert rc == 0, out

    rc, out, err = fence_ifmib(fresh, "-c", "private", "-n", "2", "-o", "on")
    assert (rc, out) == (0, "Success: Powered ON\n"), err
    rc, out = qemu_io(fresh, "node2/lun0", "write -P 0xa5 65536 4k", "read -P 0xa5 65536 4k")
    assert rc == 0 and "read 4096/4096" in out, out

    log = journal(fresh)
    ports = [e for e in log if e["event"] == "port" and e["host"] == "node2"]
    assert [e["state"] for e in ports[-2:]] == ["disabled", "enabled"]
    assert list(writes_while_fenced(log, "node2")) == []
    fenced_at, unfenced_at = ports[-2]["seq"], ports[-1]["seq"]
    assert not [e for e in log if e["event"] == "write" and fenced_at < e["seq"] < unfenced_at]


def test_qemu_nbd_lists_exports_per_host(san: Emulator) -> None:
    argv = [require_tool("qemu-nbd"), "--list", "-b", "127.0.0.1", "-p", str(san.port("nbd"))]
    proc = run(argv, timeout=30)
    assert proc.returncode == 0, proc.stderr
    for host in ("node1", "node2"):
        assert f"export: '{host}/lun0'" in proc.stdout
    assert "flush fua" in proc.stdout


def test_pulled_cable_cuts_the_path_without_a_fence(fresh: Emulator) -> None:
    assert fresh.control({"cmd": "link", "port": 1, "up": False}) == {"ok": True}
    try:
        agent = f"127.0.0.1:{fresh.port('snmp')}"
        oids = [".1.3.6.1.2.1.2.2.1.8.1", ".1.3.6.1.2.1.2.2.1.7.1"]  # ifOperStatus.1, ifAdminStatus.1
        oper = run([require_tool("snmpget"), "-m", "", "-Oqv", "-v2c", "-c", "public", agent, *oids])
        assert oper.stdout.split() == ["2", "1"]  # oper down, admin still up
        assert qemu_io(fresh, "node1/lun0", "read 0 512")[0] != 0
    finally:
        assert fresh.control({"cmd": "link", "port": 1, "up": True}) == {"ok": True}
    assert qemu_io(fresh, "node1/lun0", "read 0 512")[0] == 0
