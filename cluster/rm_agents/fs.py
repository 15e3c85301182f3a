#!/usr/bin/python3
"""OCF agent `fs`: a local (non-cluster) filesystem on a shared disk (rgmanager's fs.sh, in our words).

start checks (force_fsck) and mounts the device; stop unmounts it and, with force_unmount, first kills every
process that holds a file under the mountpoint; an unmount that still fails with self_fence reboots the node
at once (the node must not keep a filesystem another node is about to mount). status checks the mount at
depth 0, lists the mountpoint at depth 10 and writes and reads back a test file at depth 20.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import ocf_lib as ocf  # noqa: E402
from ocf_lib import Action, AgentError, AgentSpec, Param  # noqa: E402

SPEC = AgentSpec(
    name="fs",
    shortdesc="File System Mount",
    longdesc="A local filesystem (ext3, ext4, xfs...) on a device or image, mounted by one node at a time.",
    params=(
        Param("name", "File System Name", required=True, unique=True, primary=True),
        Param(
            "mountpoint",
            "Mount Point",
            "Path to the directory the filesystem is mounted on.",
            required=True,
            unique=True,
        ),
        Param(
            "device",
            "Device or Label",
            "Block device, image file, LABEL= or UUID=.",
            required=True,
            unique=True,
        ),
        Param("fstype", "File system type", "ext4, xfs, ...; mount guesses when empty."),
        Param(
            "force_unmount",
            "Force Unmount",
            "Kill every process using the mountpoint before unmounting.",
            kind="boolean",
        ),
        Param("quick_status", "Quick/brief status checks", kind="boolean"),
        Param("self_fence", "Seppuku Unmount", "Reboot the node if the unmount fails.", kind="boolean"),
        Param("nfslock", "Enable NFS lock workarounds", kind="boolean", inherit="service%nfslock"),
        Param("nfsrestart", "Enable NFS daemon and lockd workaround", kind="boolean"),
        Param("fsid", "NFS File system ID"),
        Param("force_fsck", "Force fsck support", kind="boolean"),
        Param("options", "Mount Options"),
        Param(
            "use_findmnt",
            "Utilize findmnt to detect if and where filesystems are mounted",
            kind="boolean",
            default="1",
        ),
    ),
    actions=(
        Action("start", 900),
        Action("stop", 30),
        Action("status", 10, interval=60, depth=0, rgmanager_only=True),
        Action("status", 30, interval=30, depth=10, rgmanager_only=True),
        Action("status", 30, interval=60, depth=20, rgmanager_only=True),
        Action("monitor", 10, interval=60, ocf_only=True),
        Action("meta-data", 5),
        Action("validate-all", 5),
    ),
    max_instances=1,
)

REBOOT_ENV = "FENCELAB_SELF_FENCE_COMMAND"  # what self_fence runs; a lab node powers itself off instead


def unescape_mount_field(text: str) -> str:
    """/proc/self/mounts writes space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        text = text.replace(code, char)
    return text


def mounts() -> list[tuple[str, str, str, str]]:
    """(source, mountpoint, fstype, options) of every mount in this mount namespace."""
    found = []
    with open("/proc/self/mounts", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 4:
                found.append(
                    (unescape_mount_field(parts[0]), unescape_mount_field(parts[1]), parts[2], parts[3])
                )
    return found


def loop_backing_file(source: str) -> str | None:
    name = os.path.basename(source)
    if not name.startswith("loop"):
        return None
    try:
        with open(f"/sys/block/{name}/loop/backing_file", encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None


def resolve_device(device: str) -> str:
    if device.startswith(("LABEL=", "UUID=")):
        out = ocf.run(["blkid", "-o", "device", "-t", device], timeout=10)
        if out.returncode != 0 or not out.stdout.strip():
            raise AgentError(ocf.OCF_ERR_INSTALLED, f"no device has {device}")
        return out.stdout.split()[0]
    return os.path.realpath(device)


def same_device(source: str, device: str) -> bool:
    """Whether a mount's source is our device: the same path, the same block device, or a loop onto it."""
    if os.path.realpath(source) == device:
        return True
    backing = loop_backing_file(source)
    if backing is not None and os.path.realpath(backing) == device:
        return True
    try:
        a, b = os.stat(source), os.stat(device)
    except OSError:
        return False
    return bool(a.st_rdev) and a.st_rdev == b.st_rdev


def config(req: ocf.Request) -> tuple[str, str]:
    mountpoint, device = req.get("mountpoint").rstrip("/") or "/", req.get("device")
    if not req.get("mountpoint") or not device:
        raise AgentError(ocf.OCF_ERR_CONFIGURED, "parameters 'mountpoint' and 'device' are required")
    if not os.path.isabs(mountpoint):
        raise AgentError(ocf.OCF_ERR_CONFIGURED, f"mountpoint {mountpoint} is not an absolute path")
    return os.path.realpath(mountpoint) if os.path.exists(mountpoint) else mountpoint, device


def find_mount(mountpoint: str) -> tuple[str, str, str, str] | None:
    for entry in reversed(mounts()):  # the last mount on a path is the one that is visible
        if entry[1] == mountpoint:
            return entry
    return None


def start(req: ocf.Request) -> int:
    mountpoint, raw_device = config(req)
    device = resolve_device(raw_device)
    if not os.path.exists(device):
        raise AgentError(ocf.OCF_ERR_INSTALLED, f"device {raw_device} does not exist")
    current = find_mount(mountpoint)
    if current is not None:
        if same_device(current[0], device):
            return ocf.OCF_SUCCESS
        raise AgentError(ocf.OCF_ERR_GENERIC, f"{mountpoint} already has {current[0]} mounted")
    for source, where, _, _ in mounts():
        if same_device(source, device):
            raise AgentError(ocf.OCF_ERR_GENERIC, f"{raw_device} is already mounted on {where}")
    fstype = req.get("fstype")
    if req.flag("force_fsck"):
        argv = ["fsck", "-p"] + (["-t", fstype] if fstype else []) + [device]
        out = ocf.run(argv, timeout=850)
        if out.returncode >= 4:  # 1 and 2 mean errors were corrected
            raise AgentError(
                ocf.OCF_ERR_GENERIC, f"fsck of {raw_device}: {ocf.first_line(out.stdout + out.stderr)}"
            )
    os.makedirs(mountpoint, exist_ok=True)
    argv = ["mount"] + (["-t", fstype] if fstype else [])
    if req.get("options"):
        argv += ["-o", req.get("options")]
    out = ocf.run(argv + [device, mountpoint], timeout=120)
    if out.returncode != 0:
        raise AgentError(
            ocf.OCF_ERR_GENERIC, f"mount {raw_device} on {mountpoint}: {ocf.first_line(out.stderr)}"
        )
    return ocf.OCF_SUCCESS


def holders(mountpoint: str) -> list[int]:
    """Processes with a cwd, root, executable, open file or mapping under the mountpoint."""
    prefix = mountpoint.rstrip("/") + "/"
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        base = f"/proc/{entry}"
        paths = []
        for link in ("cwd", "root", "exe"):
            try:
                paths.append(os.readlink(f"{base}/{link}"))
            except OSError:
                pass
        try:
            for fd in os.listdir(f"{base}/fd"):
                try:
                    paths.append(os.readlink(f"{base}/fd/{fd}"))
                except OSError:
                    pass
        except OSError:
            pass
        try:
            with open(f"{base}/maps", encoding="utf-8", errors="replace") as fh:
                paths += [line.split(None, 5)[5].strip() for line in fh if len(line.split(None, 5)) == 6]
        except OSError:
            pass
        if any(p == mountpoint or p.startswith(prefix) for p in paths):
            found.append(int(entry))
    return found


def kill_holders(mountpoint: str, sig: int) -> list[int]:
    pids = holders(mountpoint)
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    return pids


def self_fence(mountpoint: str) -> None:
    command = os.environ.get(REBOOT_ENV) or "reboot -fn"
    ocf.log(SPEC, f"unmount of {mountpoint} failed with self_fence set: running '{command}'")
    ocf.run(shlex.split(command), timeout=30)


def stop(req: ocf.Request) -> int:
    mountpoint, _ = config(req)
    last_error = ""
    for attempt in range(3):
        if find_mount(mountpoint) is None:
            return ocf.OCF_SUCCESS
        out = ocf.run(["umount", mountpoint], timeout=20)
        if out.returncode == 0:
            continue
        last_error = ocf.first_line(out.stderr)
        if not req.flag("force_unmount"):
            break
        killed = kill_holders(mountpoint, signal.SIGTERM if attempt == 0 else signal.SIGKILL)
        if killed:
            ocf.log(
                SPEC, f"killed {len(killed)} process(es) using {mountpoint}: {' '.join(map(str, killed))}"
            )
            time.sleep(0.2 * (attempt + 1))  # let the signalled processes exit and close their files
    if find_mount(mountpoint) is None:
        return ocf.OCF_SUCCESS
    if req.flag("self_fence"):
        self_fence(mountpoint)
    raise AgentError(ocf.OCF_ERR_GENERIC, f"could not unmount {mountpoint}: {last_error}")


def status(req: ocf.Request) -> int:
    mountpoint, raw_device = config(req)
    entry = find_mount(mountpoint)
    if entry is None:
        return ocf.OCF_NOT_RUNNING
    if not same_device(entry[0], resolve_device(raw_device)):
        ocf.log(SPEC, f"{mountpoint} has {entry[0]} mounted, not {raw_device}")
        return ocf.OCF_ERR_GENERIC
    if req.depth >= 10 and not req.flag("quick_status"):
        try:
            os.listdir(mountpoint)
        except OSError as err:
            ocf.log(SPEC, f"cannot list {mountpoint}: {err.strerror}")
            return ocf.OCF_ERR_GENERIC
    if req.depth >= 20 and not req.flag("quick_status") and "ro" not in entry[3].split(","):
        probe = os.path.join(mountpoint, f".fs_check.{socket.gethostname()}.{os.getpid()}")
        try:
            with open(probe, "w", encoding="ascii") as fh:
                fh.write("fencelab\n")
                fh.flush()
                os.fsync(fh.fileno())
            with open(probe, encoding="ascii") as fh:
                good = fh.read() == "fencelab\n"
            os.unlink(probe)
        except OSError as err:
            ocf.log(SPEC, f"cannot write to {mountpoint}: {err.strerror}")
            return ocf.OCF_ERR_GENERIC
        if not good:
            ocf.log(SPEC, f"{mountpoint} did not read back what was written")
            return ocf.OCF_ERR_GENERIC
    return ocf.OCF_SUCCESS


def validate(req: ocf.Request) -> int:
    config(req)
    return ocf.OCF_SUCCESS


if __name__ == "__main__":
    sys.exit(ocf.main(SPEC, {"start": start, "stop": stop, "status": status, "validate-all": validate}))
