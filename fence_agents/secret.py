"""A password that never prints itself, and the masking of secrets in text that comes from outside."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


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
    ``keep`` words (the user name) are not secrets: a secret found inside a longer kept word is left
    alone (password ``oper``, user ``operator``: the dialogue shows ``operator``, not ``***ator``).
    """

    def __init__(self, secrets: Iterable[str] = (), keep: Iterable[str] = ()) -> None:
        self._secrets: list[str] = []
        self._keep: list[str] = []
        self.add(*secrets)
        self.keep(*keep)

    def add(self, *secrets: str) -> None:
        for s in secrets:
            if s and s not in self._secrets:
                self._secrets.append(s)
        self._secrets.sort(key=len, reverse=True)

    def keep(self, *words: str) -> None:
        self._keep += [w for w in words if w and w not in self._keep]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._secrets))

    def __bool__(self) -> bool:
        return bool(self._secrets)

    def redact(self, text: str, min_length: int = 1) -> str:
        for s in self._secrets:
            if len(s) >= min_length and s in text:
                text = self._mask(text, s)
        return text

    def _mask(self, text: str, secret: str) -> str:
        kept = [  # spans of kept words that hold the secret as a proper part
            (start, start + len(word))
            for word in self._keep
            if len(word) > len(secret) and secret in word
            for start in _occurrences(text, word)
        ]
        out: list[str] = []
        done = 0
        for start in _occurrences(text, secret):
            end = start + len(secret)
            if start < done or any(a <= start and end <= b for a, b in kept):
                continue
            if len(secret) < SHORT_SECRET and (_is_word_char(text, start - 1) or _is_word_char(text, end)):
                continue  # a very short secret ("on") only where it stands alone: "c***nect" garbles
            out += [text[done:start], MASK]
            done = end
        return "".join(out) + text[done:]


def _occurrences(text: str, part: str) -> Iterator[int]:
    start = text.find(part)
    while start >= 0:
        yield start
        start = text.find(part, start + 1)


def _is_word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and (text[index].isascii() and text[index].isalnum())
