"""One request on its way through a handler: the model, the request, the time, the route's parameters, and
who sent it (the service fills ``account`` and ``session_id`` after authentication). Pure data."""

from __future__ import annotations

from dataclasses import dataclass

from emulators.redfish.accounts import Account
from emulators.redfish.http_types import HttpRequest
from emulators.redfish.model import RedfishModel


@dataclass
class Call:
    model: RedfishModel
    request: HttpRequest
    now: float
    params: tuple[str, ...]
    account: Account | None = None
    session_id: str | None = None  # the session the request came in on (X-Auth-Token)
