"""One HTTP exchange as plain data: what the front end hands the service and what it sends back. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json;charset=utf-8"
XML_TYPE = "application/xml;charset=utf-8"


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # without the query string
    headers: Mapping[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""
    query: str = ""  # the raw query string

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str | None = JSON_TYPE
    etag: str | None = None  # set by a handler whose payload carries @odata.etag

    @classmethod
    def of_json(cls, status: int, doc: Any, headers: list[tuple[str, str]] | None = None) -> HttpResponse:
        return cls(status, json.dumps(doc, indent=1).encode(), list(headers or []))

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def etag_of(body: bytes) -> str:
    """A weak ETag from the resource's content: it changes exactly when the resource does."""
    digest = hashlib.sha1(body).hexdigest()[:16]
    return f'W/"{digest}"'
