"""One NPS terminal session: login, then commands. Pure: a line in, a Reply out.

Dialogue (every line ends in CR LF; ``NPS>`` is the configured prompt):
- connect: banner, then ``Enter Password: `` (password-only units) or ``Login: `` + ``Password: ``;
  a wrong password answers ``Invalid password`` and asks again; after ``login_attempts`` failures the unit
  hangs up. Over ssh the transport has already authenticated: straight to the prompt.
- ``/S`` status table (paged after ``page_rows`` rows with ``Enter: ``; any line shows the next page),
  ``/SG`` group table, ``/ON|/OFF|/BOOT <plugs>[,y]`` (``Sure? (Y/N): `` unless ``,y``;
  then ``Processing - please wait``), ``/H`` help, ``/X`` log out. Unknown: ``Invalid command``.
- Tables end with the prompt right after their last row (stock fence_wti crashes on a blank line there).

A session works the :class:`PowerSwitch` and reads the unit's settings; it never sees the model. The
:class:`Display` renders the screens from the switch (shared by the unit's sessions: it caches /S rows).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from emulators.base.faults import FaultPlan
from emulators.base.model import Reply, Session
from emulators.nps import screens
from emulators.nps.screens import NL
from emulators.nps.settings import NpsSettings
from emulators.nps.switch import Action, PlugError, PowerSwitch


class State(enum.Enum):
    USER = "user"
    PASSWORD = "password"
    COMMAND = "command"
    CONFIRM = "confirm"
    PAGING = "paging"
    CLOSED = "closed"


ACTIONS = {"/ON": Action.ON, "/OFF": Action.OFF, "/BOOT": Action.BOOT}


class Display:
    """The unit's screens, rendered from what the switch reports (a lie fault shows through)."""

    def __init__(self, switch: PowerSwitch, settings: NpsSettings, faults: FaultPlan) -> None:
        self.switch = switch
        self.settings = settings
        self.faults = faults
        self._rows_cache: tuple[tuple[bool, ...], list[str]] | None = None

    def banner(self) -> str:
        return screens.banner(self.settings.model, self.settings.firmware, self.settings.site_id)

    def status_lines(self) -> tuple[list[str], list[str]]:
        """(/S header lines, one row per plug). Rows are re-rendered only when a reported state changed
        (/S is what every agent polls)."""
        plugs = self.switch.plugs.values()
        states = tuple(self.switch.reported_on(p) for p in plugs)
        if self._rows_cache is None or self._rows_cache[0] != states:
            rows = [
                screens.status_row(screens.PlugRow(p.number, p.name, on, p.boot_delay, p.default_on))
                for p, on in zip(plugs, states, strict=True)
            ]
            self._rows_cache = (states, rows)
        return screens.status_header(self.settings.firmware, self.settings.site_id), list(self._rows_cache[1])

    def group_lines(self) -> list[str]:
        plugs = self.switch.plugs
        groups = [
            (name, [(n, self.switch.reported_on(plugs[n])) for n in members])
            for name, members in self.switch.groups.items()
        ]
        return screens.group_table(groups)

    def prompt(self) -> str:
        """The command prompt as shown (a wrong-prompt fault replaces it)."""
        return self.faults.prompt(self.settings.prompt)


class NpsSession(Session):
    def __init__(
        self,
        switch: PowerSwitch,
        settings: NpsSettings,
        display: Display,
        refuse_login: Callable[[], bool],
        on_close: Callable[[], None],
        authenticated: bool = False,
        busy: bool = False,
    ) -> None:
        self.switch = switch
        self.settings = settings
        self.display = display
        self.refuse_login = refuse_login
        self.on_close = on_close
        self.busy = busy
        self.failures = 0
        self.username = ""
        self.pending: tuple[Action, list[int]] | None = None
        self.more: list[str] = []
        if authenticated:
            self.state = State.COMMAND
        else:
            self.state = State.USER if settings.users else State.PASSWORD

    # -- helpers -------------------------------------------------------------------------------------------
    def _prompt(self, text: str = "") -> Reply:
        return Reply(text + NL + self.display.prompt() + " ")

    def _login_prompt(self, text: str = "") -> Reply:
        if self.state is State.USER:
            return Reply(text + self.settings.username_prompt)
        label = "Password: " if self.settings.users else "Enter Password: "
        return Reply(text + label, secret=True)

    def _close(self, text: str) -> Reply:
        self.state = State.CLOSED
        return Reply(text, close=True)

    # -- Session API ---------------------------------------------------------------------------------------
    def greet(self, now: float) -> Reply:
        if self.busy:
            return self._close(NL + "Sorry, another session is active. Please try again later." + NL)
        if self.state is State.COMMAND:
            return self._prompt(self.display.banner())
        return self._login_prompt(self.display.banner())

    def command_key(self, line: str) -> str:
        if self.state in (State.USER, State.PASSWORD):
            return "login"
        if self.state is State.CONFIRM:
            return "confirm"
        if self.state is State.PAGING:
            return "page"
        return super().command_key(line)

    def closed(self, now: float) -> None:
        if not self.busy:
            self.on_close()
            self.busy = True  # count the close once
        self.state = State.CLOSED

    def handle_line(self, line: str, now: float) -> Reply:
        self.switch.resolve_due(now)
        if self.state is State.USER:
            self.username = line.strip()
            self.state = State.PASSWORD
            return self._login_prompt()
        if self.state is State.PASSWORD:
            return self._password(line)
        if self.state is State.CONFIRM:
            return self._confirm(line, now)
        if self.state is State.PAGING:
            return self._page()
        if self.state is State.CLOSED:
            return Reply(close=True)
        return self._command(line.strip(), now)

    # -- login ---------------------------------------------------------------------------------------------
    def _password(self, password: str) -> Reply:
        refused = self.refuse_login()
        if not refused and self.settings.check_login(self.username, password):
            self.state = State.COMMAND
            return self._prompt()
        self.failures += 1
        text = NL + "Invalid password" + NL
        if self.failures >= self.settings.login_attempts:
            return self._close(text + "Too many login failures: disconnecting." + NL)
        self.state = State.USER if self.settings.users else State.PASSWORD
        return self._login_prompt(text + NL)

    # -- commands ------------------------------------------------------------------------------------------
    def _command(self, cmd: str, now: float) -> Reply:
        if not cmd:
            return self._prompt()
        word, _, rest = cmd.partition(" ")
        word = word.upper()
        if word == "/S":
            header, rows = self.display.status_lines()
            self.more = rows
            return self._page(header)
        if word == "/SG":
            return Reply(screens.lines(self.display.group_lines()) + self.display.prompt() + " ")
        if word in ACTIONS:
            return self._action(ACTIONS[word], rest.strip(), now)
        if word in ("/H", "/?", "?"):
            return self._prompt(screens.help_text(self.display.prompt()))
        if word == "/X":
            return self._close(NL + "Disconnected." + NL)
        return self._prompt(NL + "Invalid command" + NL)

    def _page(self, header: list[str] | None = None) -> Reply:
        size = self.settings.page_rows
        shown, self.more = (self.more[:size], self.more[size:]) if size > 0 else (self.more, [])
        text = screens.lines((header or []) + shown)
        if self.more:
            self.state = State.PAGING
            return Reply(text + "Enter: ")
        self.state = State.COMMAND
        return Reply(text + self.display.prompt() + " ")

    def _action(self, action: Action, spec: str, now: float) -> Reply:
        confirmed = False
        head, comma, tail = spec.rpartition(",")
        if comma and tail.strip().lower() == "y":
            spec, confirmed = head, True
        try:
            numbers = self.switch.resolve(spec)
        except PlugError as err:
            return self._prompt(NL + f"Invalid plug: {err.args[0] or '(none)'}" + NL)
        if confirmed:
            return self._run(action, numbers, now)
        self.pending = (action, numbers)
        self.state = State.CONFIRM
        names = ", ".join(f"{n} ({self.switch.plugs[n].name})" for n in numbers)
        return Reply(NL + f"{action.value.upper()} plug(s) {names}" + NL + "Sure? (Y/N): ")

    def _confirm(self, answer: str, now: float) -> Reply:
        pending, self.pending = self.pending, None
        self.state = State.COMMAND
        if pending is None or answer.strip().upper() not in ("Y", "YES"):
            return self._prompt(NL + "Command cancelled" + NL)
        return self._run(*pending, now)

    def _run(self, action: Action, numbers: list[int], now: float) -> Reply:
        self.switch.request(numbers, action, now)
        return self._prompt(NL + "Processing - please wait" + NL)
