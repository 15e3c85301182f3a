"""One NPS terminal session: login, then commands. Pure: a line in, a Reply out.

Dialogue (every line ends in CR LF; ``NPS>`` is the configured prompt):
- connect: banner, then ``Enter Password: `` (password-only units) or ``Login: `` + ``Password: ``;
  a wrong password answers ``Invalid password`` and asks again; after ``login_attempts`` failures the unit
  hangs up. Over ssh the transport has already authenticated: straight to the prompt.
- ``/S`` status table (paged after ``page_rows`` rows with ``Enter: ``; any line shows the next page),
  ``/SG`` group table, ``/ON|/OFF|/BOOT <plugs>[,y]`` (``Sure? (Y/N): `` unless ``,y``;
  then ``Processing - please wait``), ``/H`` help, ``/X`` log out. Unknown: ``Invalid command``.
- Tables end with the prompt right after their last row (stock fence_wti crashes on a blank line there).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from emulators.base.model import Reply, Session
from emulators.nps import screens
from emulators.nps.model import Action, PlugError
from emulators.nps.screens import NL

if TYPE_CHECKING:
    from emulators.nps.model import NpsModel


class State(enum.Enum):
    USER = "user"
    PASSWORD = "password"
    COMMAND = "command"
    CONFIRM = "confirm"
    PAGING = "paging"
    CLOSED = "closed"


ACTIONS = {"/ON": Action.ON, "/OFF": Action.OFF, "/BOOT": Action.BOOT}


class NpsSession(Session):
    def __init__(self, model: NpsModel, authenticated: bool = False, busy: bool = False) -> None:
        self.m = model
        self.busy = busy
        self.failures = 0
        self.username = ""
        self.pending: tuple[Action, list[int]] | None = None
        self.more: list[str] = []
        if authenticated:
            self.state = State.COMMAND
        else:
            self.state = State.USER if model.settings.users else State.PASSWORD

    # -- helpers -------------------------------------------------------------------------------------------
    def _prompt(self, text: str = "") -> Reply:
        return Reply(text + NL + self.m.prompt() + " ")

    def _login_prompt(self, text: str = "") -> Reply:
        if self.state is State.USER:
            return Reply(text + self.m.settings.username_prompt)
        label = "Password: " if self.m.settings.users else "Enter Password: "
        return Reply(text + label, secret=True)

    def _close(self, text: str) -> Reply:
        self.state = State.CLOSED
        return Reply(text, close=True)

    # -- Session API ---------------------------------------------------------------------------------------
    def greet(self, now: float) -> Reply:
        if self.busy:
            return self._close(NL + "Sorry, another session is active. Please try again later." + NL)
        if self.state is State.COMMAND:
            return self._prompt(self.m.banner())
        return self._login_prompt(self.m.banner())

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
            self.m.session_closed()
            self.busy = True  # count the close once
        self.state = State.CLOSED

    def handle_line(self, line: str, now: float) -> Reply:
        self.m.resolve_due(now)
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
        refused = self.m.faults.refuse_login()
        if not refused and self.m.check_login(self.username, password):
            self.state = State.COMMAND
            return self._prompt()
        self.failures += 1
        text = NL + "Invalid password" + NL
        if self.failures >= self.m.settings.login_attempts:
            return self._close(text + "Too many login failures: disconnecting." + NL)
        self.state = State.USER if self.m.settings.users else State.PASSWORD
        return self._login_prompt(text + NL)

    # -- commands ------------------------------------------------------------------------------------------
    def _command(self, cmd: str, now: float) -> Reply:
        if not cmd:
            return self._prompt()
        word, _, rest = cmd.partition(" ")
        word = word.upper()
        if word == "/S":
            header, rows = self.m.status_lines()
            self.more = rows
            return self._page(header)
        if word == "/SG":
            return Reply(screens.lines(self.m.group_lines()) + self.m.prompt() + " ")
        if word in ACTIONS:
            return self._action(ACTIONS[word], rest.strip(), now)
        if word in ("/H", "/?", "?"):
            return self._prompt(screens.help_text(self.m.prompt()))
        if word == "/X":
            return self._close(NL + "Disconnected." + NL)
        return self._prompt(NL + "Invalid command" + NL)

    def _page(self, header: list[str] | None = None) -> Reply:
        size = self.m.settings.page_rows
        shown, self.more = (self.more[:size], self.more[size:]) if size > 0 else (self.more, [])
        text = screens.lines((header or []) + shown)
        if self.more:
            self.state = State.PAGING
            return Reply(text + "Enter: ")
        self.state = State.COMMAND
        return Reply(text + self.m.prompt() + " ")

    def _action(self, action: Action, spec: str, now: float) -> Reply:
        confirmed = False
        head, comma, tail = spec.rpartition(",")
        if comma and tail.strip().lower() == "y":
            spec, confirmed = head, True
        try:
            numbers = self.m.resolve(spec)
        except PlugError as err:
            return self._prompt(NL + f"Invalid plug: {err.args[0] or '(none)'}" + NL)
        if confirmed:
            return self._run(action, numbers, now)
        self.pending = (action, numbers)
        self.state = State.CONFIRM
        names = ", ".join(f"{n} ({self.m.plugs[n].name})" for n in numbers)
        return Reply(NL + f"{action.value.upper()} plug(s) {names}" + NL + "Sure? (Y/N): ")

    def _confirm(self, answer: str, now: float) -> Reply:
        pending, self.pending = self.pending, None
        self.state = State.COMMAND
        if pending is None or answer.strip().upper() not in ("Y", "YES"):
            return self._prompt(NL + "Command cancelled" + NL)
        return self._run(*pending, now)

    def _run(self, action: Action, numbers: list[int], now: float) -> Reply:
        self.m.request(numbers, action, now)
        return self._prompt(NL + "Processing - please wait" + NL)
