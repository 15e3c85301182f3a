"""The session driver: joins one client connection (telnet, ssh, pty) to one model Session, with echo and
faults. It sees the server only as a :class:`~emulators.base.host.DeviceHost`."""

from __future__ import annotations

import asyncio
import logging
import random
import string
from collections.abc import Callable

from emulators.base.faults import NO_FAULT, CommandFault, FaultKind
from emulators.base.host import ClientConnection, DeviceHost
from emulators.base.lines import LineAssembler
from emulators.base.model import Reply, Session

log = logging.getLogger("fencelab.emulator")

# No '>' (so garbage never looks like a prompt) and no '|' (never like a table row).
GARBAGE_CHARS = string.ascii_letters + string.digits + "#$%&*@!?~^"


def garbage(seed: int, length: int = 48) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(GARBAGE_CHARS) for _ in range(length)) + "\r\n"


class SessionDriver:
    """Feeds lines to a Session one at a time (a slow command delays the next, as on a real unit).
    A line that finds the session idle and no fault to wait for is answered synchronously (fast path);
    otherwise it queues for the session's task.

    ``lazy_greet``: say nothing until the first line arrives (a serial console waiting for Enter); that line
    only wakes the device up.
    """

    def __init__(
        self,
        host: DeviceHost,
        channel: ClientConnection,
        transport: str,
        *,
        echo: bool = True,
        user: str | None = None,
        lazy_greet: bool = False,
        on_end: Callable[[SessionDriver], None] | None = None,
    ) -> None:
        self.host = host
        self.channel = channel
        self.transport = transport
        self.echo = echo
        self.user = user
        self.lazy_greet = lazy_greet
        self.on_end = on_end
        self.lines = LineAssembler()
        self.queue: asyncio.Queue[tuple[str, bool, CommandFault | None]] = asyncio.Queue()
        self.greeted = False
        self.busy = False
        self.secret = False
        self.hung = False
        self.ended = False
        self.task: asyncio.Task[None] | None = None
        self._idle_timer: asyncio.TimerHandle | None = None
        self.opened = False

    def start(self) -> None:
        if not self.lazy_greet:  # a console line is no session until someone presses Enter
            self._open()
        self.host.attach(self)
        self.task = asyncio.get_running_loop().create_task(self._run())
        self._arm_idle_timer()

    def _open(self) -> None:
        self.session: Session = self.host.model.open_session(self.host.now(), self.transport, self.user)
        self.opened = True

    def _arm_idle_timer(self) -> None:
        timeout = self.host.model.idle_timeout
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if timeout > 0 and not self.ended and not (self.lazy_greet and not self.greeted):
            self._idle_timer = asyncio.get_running_loop().call_later(timeout, self._idle_expired)

    def _idle_expired(self) -> None:
        self._idle_timer = None
        if self.ended or self.hung:
            return
        if self.busy or not self.queue.empty():
            self._arm_idle_timer()  # the device is still working on something: not idle
            return
        log.debug("%s %x idle timeout", self.transport, id(self))
        self._answer(NO_FAULT, lambda: self.session.timed_out(self.host.now()))

    def data_received(self, text: str) -> None:
        if text:
            self._arm_idle_timer()
        shown: list[str] = []  # echo is written once per chunk (and before any answer), not per character
        for ch in text:
            if self.hung or self.ended:
                return
            line, show = self.lines.push(ch)
            live = self._idle() and not self.secret
            if self.echo and live and show:
                shown.append(show)
            if line is not None:
                if shown:
                    self.channel.write("".join(shown))
                    shown = []
                self._submit(line, live)
        if shown:
            self.channel.write("".join(shown))

    def _idle(self) -> bool:
        return self.greeted and not self.busy and self.queue.empty()

    def _submit(self, line: str, echoed: bool) -> None:
        """Answer at once when nothing is pending and no fault makes us wait; else queue for the task."""
        if not self._idle():
            self.queue.put_nowait((line, echoed, None))
            return
        fault = self._decide(line, echoed)
        if fault.latency or fault.effect is FaultKind.HANG:
            self.queue.put_nowait((line, echoed, fault))
        else:
            self._answer(fault, lambda: self.session.handle_line(line, self.host.now()))

    async def finished(self) -> None:
        """Returns once the session's task has ended (after ``end``)."""
        if self.task is not None and self.task is not asyncio.current_task():
            await asyncio.gather(self.task, return_exceptions=True)

    def connection_lost(self) -> None:
        if not self.ended:
            self._finish()

    def end(self) -> None:
        """Hang up from the device side."""
        if not self.ended:
            self._finish()
            self.channel.close()

    def _finish(self) -> None:
        self.ended = True
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self.opened:
            self.session.closed(self.host.now())
        self.host.detach(self)
        self.host.settle()
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()
        if self.on_end is not None:
            self.on_end(self)

    async def _run(self) -> None:
        if not self.lazy_greet:
            self.busy = True
            try:
                await self._greet()
            finally:
                self.busy = False
        while not self.ended and not self.hung:
            line, echoed, fault = await self.queue.get()
            self.busy = True
            try:
                if not self.greeted:
                    await self._greet()  # a serial line's first Enter only wakes the device
                    continue
                if fault is None:
                    fault = self._decide(line, echoed)
                await self._apply(fault, lambda: self.session.handle_line(line, self.host.now()))  # noqa: B023
            finally:
                self.busy = False

    async def _greet(self) -> None:
        if not self.opened:
            self._open()
        self.greeted = True
        self._arm_idle_timer()
        fault = self.host.model.faults.on_command("connect")
        await self._apply(fault, lambda: self.session.greet(self.host.now()))

    def _decide(self, line: str, echoed: bool) -> CommandFault:
        log.debug("%s %x < %r", self.transport, id(self), "***" if self.secret else line)
        if self.echo and not echoed and not self.secret:
            self.channel.write(line + "\r\n")
        return self.host.model.faults.on_command(self.session.command_key(line))

    async def _apply(self, fault: CommandFault, produce: Callable[[], Reply]) -> None:
        if fault.latency:
            log.debug("%s %x fault: latency %.3fs", self.transport, id(self), fault.latency)
            await asyncio.sleep(fault.latency)
        if fault.effect is FaultKind.HANG:
            log.debug("%s %x fault: hang", self.transport, id(self))
            self.hung = True  # the connection stays open; nothing is ever said again
            return
        self._answer(fault, produce)

    def _answer(self, fault: CommandFault, produce: Callable[[], Reply]) -> None:
        reply = produce()
        self.host.settle()
        self.secret = reply.secret
        log.debug("%s %x > %r%s", self.transport, id(self), reply.text, " (close)" if reply.close else "")
        if self.ended:
            return
        if fault.effect is FaultKind.DROP:
            log.debug("%s %x fault: drop", self.transport, id(self))
            self.channel.write(reply.text[: len(reply.text) // 2])
            self.end()
            return
        if fault.effect is FaultKind.GARBAGE:
            log.debug("%s %x fault: garbage", self.transport, id(self))
            self.channel.write(garbage(seed=len(reply.text)))
        elif reply.text:
            self.channel.write(reply.text)
        if reply.close:
            self.end()
