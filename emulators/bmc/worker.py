"""One BMC in one process: ``python -m emulators.bmc.worker`` reads its JSON config line on stdin.

It binds, prints one JSON ready line (``{"name", "host", "port", "pid"}``) and serves until its stdin
reaches end of file (the fleet closed it or died) or it gets SIGTERM/SIGINT. Further stdin lines are
control requests, each answered with one JSON line: ``{"cmd": "state"}``, ``{"cmd": "fault", "fault":
{...}}``, ``{"cmd": "clear-faults"}``, ``{"cmd": "power", "on": true}`` (the front-panel button).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import sys
import threading
import time
from typing import Any, TextIO

from emulators.base.events import open_events
from emulators.base.faults import FaultError, FaultPlan, fault_from_mapping
from emulators.base.power import PowerEvent
from emulators.base.wiring import ProcessTarget, Wiring
from emulators.bmc.chassis import OUTLET, Chassis, Control
from emulators.bmc.config import BmcConfig, ConfigError

WAKE_EVERY = 0.25
TICK = 0.05  # seconds between looks at timers, power transitions, wiring and stdin EOF (the stop
# request: a SIGTERMed fleet must exit within 0.3 s, and pyghmi's select only wakes for packets or this tick)
REAP_EVERY = 1.0


class Worker:
    """The serving loop around an EmulatedBmc: pyghmi's event loop, timers, wiring, reaping, control."""

    def __init__(self, config: BmcConfig) -> None:
        from emulators.bmc.server import EmulatedBmc  # pyghmi: imported only in the serving process

        self.config = config
        self.chassis = Chassis(clock=time.monotonic, timing=config.timing, powered=config.powered)
        self.faults = FaultPlan(config.faults)
        users = dict(config.users)
        self.bmc = EmulatedBmc(
            users,
            self.chassis,
            faults=self.faults,
            address=config.address,
            port=config.port,
            session_timeout=config.session_timeout,
            kg=config.kg.encode() if config.kg else None,
            cipher_suites=config.cipher_suites,
        )
        self.wiring = Wiring()
        if config.target:
            self.wiring.wire(OUTLET, ProcessTarget(config.target))
            if self.chassis.powered:
                self.wiring.deliver([_event(True)])
        self.events = open_events(config.events, config.name)
        self.requests: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        return int(self.bmc.port)

    def ready_line(self) -> dict[str, Any]:
        return {"name": self.config.name, "host": self.config.address, "port": self.port, "pid": os.getpid()}

    def serve(self, out: TextIO) -> None:
        import pyghmi.ipmi.private.session as ipmisession

        next_reap = time.monotonic() + REAP_EVERY
        self.events.emit("start", on=self.chassis.is_on(), port=self.port)
        while not self.stopping.is_set():
            waits = [w for w in (TICK, self.bmc.next_timer_in(), self.chassis.due_in()) if w is not None]
            try:
                ipmisession.Session.wait_for_rsp(min(waits))
            except Exception as err:  # one malformed packet must not take the BMC down
                print(f"bmc {self.config.name}: dropped a packet: {err!r}", file=sys.stderr, flush=True)
            self.bmc.run_due()
            changes = self.chassis.take_events()
            for change in changes:
                self.events.emit("chassis", on=change.on)
            self.wiring.deliver(changes)
            if time.monotonic() >= next_reap:
                self.bmc.reap()
                next_reap = time.monotonic() + REAP_EVERY
            self._control(out)
        self.wiring.close()
        self.events.emit("stop")
        self.events.close()

    def _control(self, out: TextIO) -> None:
        while True:
            try:
                line = self.requests.get_nowait()
            except queue.Empty:
                return
            if line is None:
                self.stopping.set()
                return
            out.write(json.dumps(self.handle(line)) + "\n")
            out.flush()

    def handle(self, line: str) -> dict[str, Any]:
        """Answer one control request."""
        try:
            request = json.loads(line)
            cmd = request.get("cmd")
            if cmd == "fault":
                self.faults.add(fault_from_mapping(request["fault"]))
            elif cmd == "clear-faults":
                self.faults.clear()
            elif cmd == "power":
                self.chassis.control(Control.POWER_ON if request.get("on") else Control.POWER_OFF)
            elif cmd != "state":
                return {"ok": False, "error": f"unknown control command {cmd!r}"}
        except (ValueError, KeyError, TypeError, AttributeError, FaultError) as err:
            return {"ok": False, "error": str(err)}
        return {"ok": True, **self.state()}

    def state(self) -> dict[str, Any]:
        c = self.chassis.counters
        return {
            "name": self.config.name,
            "on": self.chassis.is_on(),
            "power_ons": c.power_ons,
            "power_offs": c.power_offs,
            "resets": c.resets,
            "nmis": c.nmis,
            "boot_flags": self.chassis.boot_flags.hex(),
            "sessions": len(self.bmc.sessions),
            "logins": self.bmc.logins,
        }


def _event(on: bool) -> PowerEvent:
    return PowerEvent(OUTLET, on, time.monotonic())


def _read_requests(stream: TextIO, sink: queue.Queue[str | None]) -> None:
    for line in stream:
        if line.strip():
            sink.put(line)
            _wake_pyghmi()
    sink.put(None)  # end of file: whoever started us is gone
    _wake_pyghmi()


def _keep_awake(stopping: threading.Event) -> None:
    """pyghmi's loop can lose a wake-up and then sleep until a packet comes: nudge it every WAKE_EVERY so
    timers, power transitions and control requests never wait for traffic."""
    while not stopping.wait(WAKE_EVERY):
        _wake_pyghmi()


def _wake_pyghmi() -> None:
    """Wake pyghmi's I/O thread the way it wakes itself (a byte to its own socket): its loop can sleep
    in a select with no deadline when no packet comes, and a stopping BMC must not wait for one."""
    import pyghmi.ipmi.private.session as ipmisession

    try:
        sock = ipmisession.iosockets[0]
        sock.sendto(b"\x01", sock.getsockname()[:2])
    except (AttributeError, IndexError, OSError):
        pass  # not started yet: the loop has not gone to sleep either


def _fix_pyghmi_self_address() -> None:
    """pyghmi wakes its I/O thread with a byte to ``(myself, port)``, ``myself`` being a loopback
    address it guesses; a BMC bound to another address (a lab hub's 192.0.2.254) never receives it and
    stalls until a packet comes. Point ``myself`` at the address the BMC's socket is bound to."""
    import pyghmi.ipmi.private.session as ipmisession

    try:
        ipmisession.myself = ipmisession.iosockets[0].getsockname()[0]
    except (AttributeError, IndexError, OSError):
        pass


def main() -> int:
    first = sys.stdin.readline()
    try:
        config = BmcConfig.from_json(first)
        worker = Worker(config)
    except (ConfigError, ValueError) as err:
        print(json.dumps({"error": str(err)}), flush=True)
        return 2
    except OSError as err:
        where = f"{config.address}:{config.port}"
        print(json.dumps({"error": f"cannot bind {where}: {err.strerror}"}), flush=True)
        return 1

    def stop(signum: int, frame: object) -> None:
        worker.stopping.set()
        _wake_pyghmi()

    _fix_pyghmi_self_address()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=_read_requests, args=(sys.stdin, worker.requests), daemon=True).start()
    threading.Thread(target=_keep_awake, args=(worker.stopping,), daemon=True).start()
    print(json.dumps(worker.ready_line()), flush=True)
    worker.serve(sys.stdout)  # returns with the chassis target powered off and the event log closed
    sys.stdout.flush()
    # Skip interpreter teardown (pyghmi's modules and I/O thread): nothing is left to clean up, and a
    # SIGTERMed fleet has 0.3 s to exit in all.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
