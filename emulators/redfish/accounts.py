"""Users, roles and sessions of the service. Pure: no I/O, time comes in as ``now``.

Roles follow the Redfish privilege registry: Administrator has every privilege, Operator has Login,
ConfigureSelf and ConfigureComponents (a reset is allowed), ReadOnly has Login and ConfigureSelf (a reset
answers 403). Sessions carry a random token; an idle session expires after ``timeout`` seconds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

ROLE_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "Administrator": ("Login", "ConfigureManager", "ConfigureUsers", "ConfigureSelf", "ConfigureComponents"),
    "Operator": ("Login", "ConfigureSelf", "ConfigureComponents"),
    "ReadOnly": ("Login", "ConfigureSelf"),
}


@dataclass
class Account:
    id: str
    username: str
    password: str
    role: str = "Administrator"
    enabled: bool = True
    locked: bool = False

    def has(self, privilege: str) -> bool:
        return privilege in ROLE_PRIVILEGES.get(self.role, ())


@dataclass
class Session:
    id: str
    token: str
    account: Account
    created: float
    last_used: float


@dataclass
class Accounts:
    """The account store and the live sessions."""

    accounts: dict[str, Account] = field(default_factory=dict)  # by Id
    sessions: dict[str, Session] = field(default_factory=dict)  # by Id
    session_timeout: float = 1800.0
    session_limit: int = 16
    _next_session: int = 1

    @classmethod
    def of(cls, users: dict[str, tuple[str, str]], timeout: float, limit: int) -> Accounts:
        store = cls(session_timeout=timeout, session_limit=limit)
        for i, (name, (password, role)) in enumerate(users.items(), 1):
            store.accounts[str(i)] = Account(str(i), name, password, role)
        return store

    def check(self, username: str, password: str) -> Account | None:
        for account in self.accounts.values():
            if account.username == username and account.enabled and not account.locked:
                return account if secrets.compare_digest(account.password, password) else None
        return None

    def by_username(self, username: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.username == username), None)

    def next_account_id(self) -> str:
        taken = {int(i) for i in self.accounts if i.isdigit()}
        return str(next(n for n in range(1, len(taken) + 2) if n not in taken))

    # -- sessions ---------------------------------------------------------------------------------------
    def expire(self, now: float) -> None:
        for sid, session in list(self.sessions.items()):
            if now - session.last_used > self.session_timeout:
                del self.sessions[sid]

    def full(self, now: float) -> bool:
        self.expire(now)
        return len(self.sessions) >= self.session_limit

    def open(self, account: Account, now: float) -> Session:
        sid = str(self._next_session)
        self._next_session += 1
        session = Session(sid, secrets.token_hex(16), account, now, now)
        self.sessions[sid] = session
        return session

    def by_token(self, token: str, now: float) -> Session | None:
        self.expire(now)
        for session in self.sessions.values():
            if secrets.compare_digest(session.token, token):
                session.last_used = now
                return session
        return None

    def close(self, sid: str) -> bool:
        return self.sessions.pop(sid, None) is not None

    def drop_account(self, account_id: str) -> None:
        """Deleting an account ends its sessions."""
        account = self.accounts.pop(account_id)
        for sid, session in list(self.sessions.items()):
            if session.account is account:
                del self.sessions[sid]
