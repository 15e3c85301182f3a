"""One pass over a node's fence methods (or its unfence devices): which agent call comes next.

Pure: fed call results, it says what to call next and when the pass is over. fenced's rules: methods in
document order; inside a method every device must succeed; the first failing device ends that method
and the next method starts; the pass succeeds at the first method whose devices all succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass

from cluster.fenced.plan import Attrs, DeviceEntry, FencePlan, Method, NodeFencing, agent_stdin


@dataclass(frozen=True)
class CallSpec:
    """One agent call. ``missing`` is set (and nothing is run) when the device cannot be called."""

    victim: str
    method_index: int
    device_index: int
    method: str
    device: str
    agent: str
    stdin: Attrs
    missing: str | None = None

    @property
    def label(self) -> str:
        """fenced's ``dev <method>.<device>`` numbering."""
        return f"{self.method_index}.{self.device_index}"


class Attempt:
    """Walks the methods of ``node`` once. ``unfence=True`` walks its ``<unfence>`` devices instead."""

    def __init__(self, plan: FencePlan, node: NodeFencing, unfence: bool = False) -> None:
        self._plan = plan
        self._node = node
        self._methods: tuple[Method, ...] = (Method("unfence", node.unfence),) if unfence else node.methods
        self._method = 0
        self._device = 0
        self.outcome: bool | None = None
        self._skip_empty()

    def _skip_empty(self) -> None:
        # A method without devices cannot fence; move on to one that can.
        while self._method < len(self._methods) and not self._methods[self._method].devices:
            self._method += 1
        self.outcome = None if self._method < len(self._methods) else False

    def next_call(self) -> CallSpec | None:
        if self.outcome is not None:
            return None
        method = self._methods[self._method]
        entry: DeviceEntry = method.devices[self._device]
        device = self._plan.device(entry.name)
        missing = None
        if device is None:
            missing = f"no fencedevice named {entry.name!r}"
        elif not device.agent:
            missing = f"fencedevice {entry.name!r} has no agent"
        where = (self._node.name, self._method, self._device, method.name, entry.name)
        if device is None or missing:
            return CallSpec(*where, "-", (), missing=missing)
        return CallSpec(*where, device.agent or "-", agent_stdin(entry, device, self._node.name))

    def record(self, ok: bool) -> None:
        """Result of the call ``next_call`` returned."""
        if self.outcome is not None:
            return
        method = self._methods[self._method]
        if ok:
            self._device += 1
            if self._device >= len(method.devices):
                self.outcome = True
            return
        self._method += 1
        self._device = 0
        self._skip_empty()
