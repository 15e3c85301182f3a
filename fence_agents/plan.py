"""What one run will do (:class:`Plan`, :class:`Timing`) and the clock it runs on. Pure, and light: plain
classes, because dataclasses and typing cost every agent run more start-up than the action needs."""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol

    class Clock(Protocol):
        def monotonic(self) -> float: ...

        def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class _Value:
    """Equal by fields, printed with them."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._fields() == self._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({shown})"


class Timing(_Value):
    __slots__ = ("power_wait", "power_timeout", "status_sleep", "delay")

    def __init__(
        self,
        power_wait: float = 0.0,
        power_timeout: float = 20.0,  # 0: poll until the state is reached (upstream's disabled timeout)
        status_sleep: float = 1.0,
        delay: float = 0.0,
    ) -> None:
        self.power_wait = power_wait
        self.power_timeout = power_timeout
        self.status_sleep = status_sleep
        self.delay = delay


class Plan(_Value):
    """What to do. ``plugs`` is ``(None,)`` for devices without plugs (a BMC)."""

    __slots__ = ("action", "plugs", "method", "retry_on", "separator", "timing", "has_plugs")

    def __init__(
        self,
        action: str,
        plugs: tuple[str | None, ...] = (None,),
        method: str = "onoff",
        retry_on: int = 1,
        separator: str = ",",
        timing: Timing | None = None,
        has_plugs: bool = True,  # monitor lists the plugs of multi-plug devices, reads status otherwise
    ) -> None:
        self.action = action
        self.plugs = plugs
        self.method = method
        self.retry_on = retry_on
        self.separator = separator
        self.timing = timing if timing is not None else Timing()
        self.has_plugs = has_plugs
