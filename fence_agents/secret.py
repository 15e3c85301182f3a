"""A password that never prints itself, and the masking of secrets in text that comes from outside."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class Secret:
    """Wraps a secret string. ``str()``/``repr()``/f-strings give ``***``; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


MASK = "***"
SHORT_SECRET = 4  # secrets shorter than this are masked as whole tokens only


class Redactor:
    """Masks the run's secrets in text that comes from outside: the device's dialogue, echoed input,
    libraries' logs and stray prints. Our own messages never go through it: they are built without
    secrets, so a password that happens to be a common word (``admin``, ``password``) garbles nothing.

    Longest secret first, so no part of a longer one leaks; grows when a password script has run.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        for s in secrets:
            if s and s not in self._secrets:
                self._secrets.append(s)
        self._secrets.sort(key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def redact(self, text: str, min_length: int = 1) -> str:
        for s in self._secrets:
            if len(s) < min_length or s not in text:
                continue
            if len(s) >= SHORT_SECRET:
                text = text.replace(s, MASK)
            else:
                import re  # only for a very short secret, and only when it occurs

                # a very short secret ("on") is masked where it stands alone, not inside every word that
                # happens to contain it: "c***nect" would only garble the text
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])", MASK, text)
        return text
