"""Service states, flags, the replicated state record and the RG_E result codes (rgmanager.md §1-§3)."""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass


class State(enum.IntEnum):
    STOPPED = 110
    STARTING = 111
    STARTED = 112
    STOPPING = 113
    FAILED = 114
    UNINITIALIZED = 115  # no record held locally
    CHECKING = 116  # unused by rgmanager, kept for the codes
    RECOVERABLE = 117  # recovery stop in progress
    RECOVERING = 118  # stopped cleanly after a failure, awaiting restart or relocation
    DISABLED = 119
    MIGRATING = 120

    @property
    def word(self) -> str:
        return self.name.lower()


# A node may hold the service's resources in these states: nobody else may start it meanwhile.
HELD_STATES = frozenset({State.STARTING, State.STARTED, State.STOPPING, State.RECOVERABLE, State.FAILED})
# clustat shows "(last owner)" for these
LAST_OWNER_STATES = frozenset({State.STOPPED, State.DISABLED, State.RECOVERABLE, State.FAILED})


class Flag(enum.IntFlag):
    NONE = 0
    FROZEN = 1  # Z
    PARTIAL = 2  # P: a non-critical subtree is stopped


@dataclass(frozen=True)
class ServiceRecord:
    """The replicated state of one service (rgmanager's 104-byte rg_state_t, minus name padding/magic).

    ``version`` grows with every write; a node takes a record from a peer only when it is newer
    (see :mod:`cluster.rm.core` for who may write).
    """

    name: str  # "service:www"
    owner: int = 0
    last_owner: int = 0
    state: State = State.STOPPED
    restarts: int = 0
    transition: int = 0  # epoch seconds of the last state change
    flags: Flag = Flag.NONE
    version: int = 0

    @property
    def frozen(self) -> bool:
        return bool(int(self.flags) & 1)  # Flag.FROZEN, without enum arithmetic: this is hot

    @property
    def held(self) -> bool:
        """True while the owner may still hold the service's resources."""
        return self.owner != 0 and self.state in HELD_STATES


class RgError(enum.IntEnum):
    """rgmanager's RG_E codes (include/resgroup.h) and clusvcadm's extra results."""

    SUCCESS = 0
    EFAIL = -1
    EABORT = -2
    EFORWARD = -3
    ENOSERVICE = -4
    EDEADLCK = -5
    EAGAIN = -6
    EDEPEND = -7
    EINVAL = -8
    EQUORUM = -9
    ERUN = -10
    EFROZEN = -11
    ENODE = -12
    EFENCE = -13
    ESCRIPT = -14
    EDOMAIN = -15
    EEXCL = -16
    ERELO = -17
    EPERM = -18
    EWARNING = -19
    YES = 1
    NO = 2


RG_STRINGS = {
    RgError.SUCCESS: "Success",
    RgError.EFAIL: "Failure",
    RgError.EABORT: "Aborted; service failed",
    RgError.EFORWARD: "Service not mastered locally",
    RgError.ENOSERVICE: "Service does not exist",
    RgError.EDEADLCK: "Operation would cause a deadlock",
    RgError.EAGAIN: "Temporary failure; try again",
    RgError.EDEPEND: "Operation violates dependency rule",
    RgError.EINVAL: "Invalid operation for resource",
    RgError.EQUORUM: "Operation requires quorum",
    RgError.ERUN: "Service is already running",
    RgError.EFROZEN: "Failure: Service is frozen",
    RgError.ENODE: "Target node dead / nonexistent",
    RgError.EFENCE: "Fencing operation pending; try again later",
    RgError.ESCRIPT: "S/Lang Script Error",
    RgError.EDOMAIN: "Service not runnable",
    RgError.EEXCL: "Service not runnable: cannot run exclusive",
    RgError.ERELO: "Failed; service running on original owner",
    RgError.EPERM: "Permission denied",
    RgError.EWARNING: "Warning; see system logs",
    RgError.YES: "Yes",
    RgError.NO: "No",
}


def rg_strerror(code: int) -> str:
    try:
        return RG_STRINGS[RgError(code)]
    except ValueError:
        return "Unknown"


# rgmanager's rg_state_t: name[64], id, magic, owner, last_owner, state, restarts, transition (u64), flags,
# version; 104 bytes, network order. The magic's value is ours (rgmanager.md does not give it).
RECORD_FORMAT = struct.Struct("!64sIIIIIIQII")
RECORD_MAGIC = 0x52475354  # "RGST"
assert RECORD_FORMAT.size == 104


class RecordError(ValueError):
    """Bytes that are not a state record (one line)."""


def encode_record(record: ServiceRecord, ident: int = 0) -> bytes:
    name = record.name.encode()
    if len(name) > 63:
        raise RecordError(f"service name longer than 63 bytes: {record.name[:70]!r}")
    return RECORD_FORMAT.pack(
        name, ident, RECORD_MAGIC, record.owner, record.last_owner, int(record.state), record.restarts,
        record.transition, int(record.flags), record.version,
    )  # fmt: skip


def decode_record(data: bytes) -> ServiceRecord:
    if len(data) != RECORD_FORMAT.size:
        raise RecordError(f"a state record is {RECORD_FORMAT.size} bytes, not {len(data)}")
    name, _ident, magic, owner, last, state, restarts, transition, flags, version = RECORD_FORMAT.unpack(data)
    if magic != RECORD_MAGIC:
        raise RecordError(f"bad state record magic 0x{magic:08x}")
    try:
        return ServiceRecord(
            name.rstrip(b"\0").decode(), owner, last, State(state), restarts, transition, Flag(flags), version
        )
    except (ValueError, UnicodeDecodeError) as err:
        raise RecordError(f"bad state record: {err}") from None
