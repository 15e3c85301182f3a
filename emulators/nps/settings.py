"""What an NPS unit is configured with: plugs, groups, login, prompt, timings. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field

PROMPTS = ("NPS>", "RSM>", "MPC>", "IPS>", "TPS>", "NBB>", "VMR>")


@dataclass
class Plug:
    number: int
    name: str
    on: bool = True
    boot_delay: float = 0.5
    default_on: bool = True


@dataclass
class NpsSettings:
    plugs: list[Plug] = field(default_factory=lambda: [Plug(n, f"Outlet{n}") for n in range(1, 9)])
    groups: dict[str, list[int]] = field(default_factory=dict)
    password: str = "redhat123"  # password-only login (classic NPS) when `users` is empty
    users: dict[str, str] = field(default_factory=dict)  # user -> password (IPS/RPC style login)
    prompt: str = "NPS>"
    model: str = "NPS-115"
    firmware: str = "1.43"
    site_id: str = "(undefined)"
    relay_delay: float = 0.5  # command -> relay switches
    login_attempts: int = 3  # wrong passwords before the unit hangs up
    page_rows: int = 16  # plug rows per /S page (0: never page)
    single_session: bool = False
    username_prompt: str = "Login: "
    idle_timeout: float = 0.0  # seconds without input before the unit hangs up (0: never)

    def check_login(self, username: str, password: str) -> bool:
        if self.users:
            return self.users.get(username) == password
        return password == self.password
