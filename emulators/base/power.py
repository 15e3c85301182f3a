"""What a device's relays do: one change of an outlet/port's power, as the model reports it. Pure data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PowerEvent:
    outlet: str  # plug/port identifier as the device numbers it ("1", "2", ...)
    on: bool
    at: float  # model time the relay switched
