"""The parsed, validated options of one agent run, with typed accessors.

Built by ``fence_agents.options`` (argv or stdin); read by the framework and by device factories.
Values are kept as strings exactly as given (after defaults); accessors convert. Secret options come
back as :class:`~fence_agents.secret.Secret`.
"""

from __future__ import annotations

import builtins

from fence_agents.log import Log
from fence_agents.secret import Secret

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from fence_agents.log import Logger

TRUE_WORDS = frozenset({"1", "yes", "on", "true", "y", "t"})
FALSE_WORDS = frozenset({"0", "no", "off", "false", "n", "f", ""})


def parse_bool(text: str) -> bool:
    """Booleans honour their value (upstream tests presence only: ``ssh=0`` would mean ssh)."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(text)


class Request:
    """One run: ``values`` maps internal option keys (``ipaddr``, ``passwd``, ``port``...) to strings."""

    __slots__ = ("agent", "values", "secrets", "log")

    def __init__(
        self,
        agent: builtins.str,
        values: dict[builtins.str, builtins.str] | None = None,
        secrets: dict[builtins.str, Secret] | None = None,
        log: Logger | None = None,
    ) -> None:
        self.agent = agent
        self.values = values if values is not None else {}
        self.secrets = secrets if secrets is not None else {}
        self.log: Logger = log if log is not None else Log("fence_agents")

    def __repr__(self) -> builtins.str:  # values hold no secret: those are in `secrets` (Secret: '***')
        return f"Request({self.agent!r}, {self.values!r}, {self.secrets!r})"

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, Request) and (other.agent, other.values, other.secrets) == (
            self.agent, self.values, self.secrets)  # fmt: skip

    @classmethod
    def of(cls, agent: str, values: Mapping[str, str], secret_keys: frozenset[str] = frozenset()) -> Request:
        plain = {k: v for k, v in values.items() if k not in secret_keys}
        hidden = {k: Secret(v) for k, v in values.items() if k in secret_keys}
        return cls(agent=agent, values=plain, secrets=hidden)

    # -- typed accessors -------------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self.values or key in self.secrets

    def str(self, key: builtins.str, default: builtins.str | None = None) -> builtins.str | None:
        return self.values.get(key, default)

    def int(self, key: builtins.str, default: builtins.int = 0) -> builtins.int:
        raw = self.values.get(key)
        return default if raw in (None, "") else int(raw)  # validated earlier

    def seconds(self, key: builtins.str, default: float = 0.0) -> float:
        raw = self.values.get(key)
        return default if raw in (None, "") else float(raw)

    def flag(self, key: builtins.str) -> bool:
        raw = self.values.get(key)
        return False if raw is None else parse_bool(raw)

    def secret(self, key: builtins.str) -> Secret | None:
        return self.secrets.get(key)

    # -- common shortcuts --------------------------------------------------------------------------
    @property
    def action(self) -> builtins.str:
        return self.values.get("action", "reboot")

    @property
    def ipaddr(self) -> builtins.str | None:
        return self.values.get("ipaddr")

    @property
    def login(self) -> builtins.str | None:
        return self.values.get("login")

    @property
    def password(self) -> Secret | None:
        return self.secrets.get("passwd")

    @property
    def plug(self) -> builtins.str | None:
        """The plug as given (may hold several, split with plug_separator: see ``plugs``)."""
        return self.values.get("port")

    @property
    def plugs(self) -> list[builtins.str]:
        raw = self.values.get("port")
        if raw is None:
            return []
        sep = self.values.get("plug_separator", ",") or ","
        return [p.strip() for p in raw.split(sep) if p.strip()]

    @property
    def secret_values(self) -> list[builtins.str]:
        """Every secret's text, for redaction filters on logs and captured output."""
        return [s.reveal() for s in self.secrets.values() if s.reveal()]
