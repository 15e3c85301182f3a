"""Node names to addresses, once per daemon, local files before DNS, with one deadline for all.

Order, as a node with ``hosts: files dns`` in nsswitch.conf (cman's getaddrinfo) sees it:
1. a name that is an IPv4 address is itself;
2. hosts-format files: ``$FENCELAB_HOSTS`` (a lab's own, so a lab never asks DNS), then /etc/hosts;
3. DNS (getaddrinfo) for the names still unknown, all at once in threads, within one deadline.

A name that resolves only to loopback, or not at all in time, gets 127.0.0.<nodeid> (Linux routes all of
127.0.0.0/8), so a lab cluster needs no configuration; the caller is told which names fell back.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

HOSTS_ENV = "FENCELAB_HOSTS"
DEFAULT_DEADLINE_S = 2.0

Lookup = Callable[[str], str]  # name -> IPv4 address, raises OSError


@dataclass(frozen=True)
class Resolved:
    addresses: dict[int, str]
    late: tuple[str, ...] = ()  # names DNS did not answer within the deadline
    unknown: tuple[str, ...] = ()  # names nothing resolved
    source: dict[str, str] = field(default_factory=dict)  # name -> "literal" | a hosts file | "dns"


def parse_hosts(text: str) -> dict[str, str]:
    """name (lower case) -> first IPv4 address listed for it, as the files service reads /etc/hosts."""
    table: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 2 or not _is_ipv4(words[0]):
            continue
        for name in words[1:]:
            table.setdefault(name.lower(), words[0])
    return table


def hosts_files() -> list[str]:
    extra = os.environ.get(HOSTS_ENV, "")
    return [*(p for p in extra.split(":") if p), "/etc/hosts"]


def dns_lookup(name: str) -> str:
    return str(socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0])


def resolve_nodes(
    names: Mapping[int, str],
    files: Sequence[str] | None = None,
    deadline_s: float = DEFAULT_DEADLINE_S,
    lookup: Lookup = dns_lookup,
) -> Resolved:
    """Addresses for ``{nodeid: name}``; never takes (much) longer than ``deadline_s``."""
    source: dict[str, str] = {}
    found: dict[str, str] = {}
    for name in names.values():
        if _is_ipv4(name):
            found[name], source[name] = name, "literal"
    for path in hosts_files() if files is None else files:
        table = _read_hosts(path)
        for name in names.values():
            if name not in found and name.lower() in table:
                found[name], source[name] = table[name.lower()], path
    pending = sorted({name for name in names.values() if name not in found})
    answers, late = _lookup_all(pending, deadline_s, lookup)
    for name, address in answers.items():
        found[name], source[name] = address, "dns"
    addresses = {}
    for nodeid, name in names.items():
        address = found.get(name, "")
        addresses[nodeid] = address if address and not address.startswith("127.") else f"127.0.0.{nodeid}"
    unknown = tuple(n for n in pending if n not in answers and n not in late)
    return Resolved(addresses, tuple(late), unknown, source)


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _read_hosts(path: str) -> dict[str, str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return parse_hosts(f.read(1 << 20))
    except OSError:
        return {}


def _lookup_all(names: Iterable[str], deadline_s: float, lookup: Lookup) -> tuple[dict[str, str], list[str]]:
    """Ask for every name at once, in daemon threads (getaddrinfo cannot be cancelled); whatever has
    not answered by the deadline is late, and its thread is left to finish on its own."""
    answers: dict[str, str] = {}
    lock = threading.Lock()
    threads = []

    def ask(name: str) -> None:
        try:
            address = lookup(name)
        except (OSError, UnicodeError, IndexError):
            return
        with lock:
            answers[name] = address

    for name in names:
        thread = threading.Thread(target=ask, args=(name,), name=f"resolve {name}", daemon=True)
        thread.start()
        threads.append((name, thread))
    end = time.monotonic() + deadline_s
    for _, thread in threads:
        thread.join(max(0.0, end - time.monotonic()))
    with lock:
        done = dict(answers)
    late = [name for name, thread in threads if thread.is_alive() and name not in done]
    return done, late
