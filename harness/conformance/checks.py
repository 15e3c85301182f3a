"""The fence agent contract, checked from outside: any agent executable against an emulated device.

Every verdict on power comes from the device (its control channel), never from the agent. A check yields
``Result``s; a failing one says what was expected and what happened, in one line.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from harness.conformance.devices import Device
from harness.conformance.invoke import STYLES, Metadata, argv_for, read_metadata, run_agent
from harness.conformance.proxy import FirstContactProxy

RELAXNG = Path("/usr/share/cluster/relaxng/metadata.rng")
TIMEOUTS = {"login_timeout": "2", "power_timeout": "4", "shell_timeout": "2", "power_wait": "0"}
SLACK = 12.0  # seconds beyond the agent's own timeouts before a call counts as hung
LIST_LINE = re.compile(r"^[^,\s][^,]*,[^,]*$")
LIST_STATUS_LINE = re.compile(r"^[^,\s][^,]*,[^,]*,(ON|OFF|UNKNOWN)$", re.IGNORECASE)  # stock: "on" too
PARSE_ERRORS = ("not recognized", "unknown option", "unrecognized option", "parse error")
ONLY_STOCK = ("action", "help", "version")


@dataclass
class Result:
    check: str
    ok: bool | None  # None: not applicable (skipped, with the reason in detail)
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Context:
    agent: str
    device: Device
    meta: Metadata
    stock: Metadata | None = None

    def options(self, **extra: str) -> dict[str, str]:
        opts = {**self.device.options(), **{k: v for k, v in TIMEOUTS.items() if k in self.meta.params}}
        opts.update(extra)
        return {k: v for k, v in opts.items() if k in self.meta.params or k == "action"}

    @property
    def bound(self) -> float:
        return sum(float(v) for k, v in TIMEOUTS.items() if k in self.meta.params) + SLACK

    def call(self, action: str, style: str = "stdin", **extra: str):  # -> invoke.Run
        opts = self.options(**extra)
        opts.pop("action", None)
        if not self.device.kind.has_plug:
            opts.pop("plug", None)
        if style == "stdin":
            argv, stdin = argv_for(self.meta, {**opts, "action": action}, "stdin")
        else:
            argv, stdin = argv_for(self.meta, {**opts, "action": action}, style)
        return run_agent(self.agent, argv, stdin, deadline=self.bound)


Check = Callable[[Context], Iterator[Result]]


def check_metadata(ctx: Context) -> Iterator[Result]:
    out, meta = read_metadata(ctx.agent)
    yield Result("metadata/exit", out.returncode == 0 and meta is not None, f"exit {out.returncode}")
    if RELAXNG.exists():
        schema = etree.RelaxNG(etree.parse(str(RELAXNG)))
        try:
            valid = schema.validate(etree.fromstring(out.stdout.encode()))
            why = "" if valid else str(schema.error_log.last_error)
        except etree.XMLSyntaxError as err:
            valid, why = False, str(err)
        yield Result("metadata/relaxng", valid, why or "valid against fence-agents' metadata.rng")
    else:
        yield Result("metadata/relaxng", None, f"{RELAXNG} is not installed (Debian: fence-agents)")
    wanted = {"on", "off", "status", "monitor", "metadata"} | ({"reboot"} if ctx.device.powers else set())
    missing = sorted(wanted - set(ctx.meta.actions))
    yield Result(
        "metadata/actions", not missing, f"missing {', '.join(missing)}" if missing else "all listed"
    )


def _expect(name: str, run, code: int, truth: bool | None, device: Device) -> Result:  # noqa: ANN001
    on = device.is_on()
    good = run.code == code and (truth is None or on == truth)
    state = "on" if on else "off"
    got = "killed at the deadline" if run.code is None else f"exit {run.code}"
    detail = f"{got}, device {state}" + (
        ""
        if good
        else f" (wanted exit {code}" + (f", device {'on' if truth else 'off'})" if truth is not None else ")")
    )
    if not good and run.output.strip():
        detail += f": {run.output.strip().splitlines()[-1][:160]}"
    return Result(name, good, detail, run.seconds)


def check_actions(ctx: Context) -> Iterator[Result]:
    """status/off/on/reboot through short flags, long flags and stdin, with the exit codes of the API."""
    for style in STYLES:
        steps = [("status", 0, True), ("off", 0, False), ("status", 2, False), ("on", 0, True),
                 ("status", 0, True)] + ([("reboot", 0, True)] if ctx.device.powers else [])  # fmt: skip
        for action, code, truth in steps:
            try:
                run = ctx.call(action, style)
            except KeyError as err:
                yield Result(f"actions/{style}/{action}", False, f"no flag for option {err} in its metadata")
                break
            yield _expect(f"actions/{style}/{action}", run, code, truth, ctx.device)


def check_monitor_and_lists(ctx: Context) -> Iterator[Result]:
    run = ctx.call("monitor")
    yield Result("monitor/reachable", run.code == 0, f"exit {run.code}", run.seconds)
    dead = FirstContactProxy(ctx.device.transport, ("127.0.0.1", 9))  # nothing answers behind it
    dead.close()  # its port is now closed: an unreachable device
    unreachable = ctx.call("monitor", ipport=str(dead.port))
    detail = f"exit {unreachable.code} after {unreachable.seconds:.1f} s"
    yield Result("monitor/unreachable", unreachable.code not in (0, None), detail, unreachable.seconds)
    if not ctx.device.kind.has_plug:
        yield Result("list/format", None, "a device without plugs has no list")
        return
    for action, pattern in (("list", LIST_LINE), ("list-status", LIST_STATUS_LINE)):
        run = ctx.call(action)
        lines = [line for line in run.stdout.splitlines() if line.strip()]
        bad = [line for line in lines if not pattern.match(line)]
        ok = run.code == 0 and lines and not bad
        detail = f"exit {run.code}, {len(lines)} lines" + (f", bad line {bad[0]!r}" if bad else "")
        unknown = sum(1 for line in lines if line.lower().endswith(",unknown"))
        if action == "list-status" and lines and unknown == len(lines):
            ok, detail = False, detail + ", every plug UNKNOWN"
        yield Result(f"list/{action}", bool(ok), detail, run.seconds)


def check_wrong_password(ctx: Context) -> Iterator[Result]:
    opts = ctx.device.wrong_password()
    argv, stdin = argv_for(ctx.meta, {**ctx.options(), **opts, "action": "status"}, "stdin")
    run = run_agent(ctx.agent, argv, stdin, deadline=ctx.bound)
    ok = run.code == 1 and run.seconds <= ctx.bound
    yield Result(
        "login/wrong-password", ok, f"exit {run.code} in {run.seconds:.1f} s (wanted 1)", run.seconds
    )


def check_delay(ctx: Context, delay: float = 2.0) -> Iterator[Result]:
    """fence-agents' delay check, stricter: the device hears nothing before the delay has passed. Like the
    stock agents, delay applies to fencing (off, reboot), not to status or monitor."""
    proxy = FirstContactProxy(ctx.device.transport, ("127.0.0.1", ctx.device.port))
    try:
        start = time.monotonic()
        run = ctx.call("off", ipport=str(proxy.port), delay=f"{delay:g}")
        first = None if proxy.first is None else proxy.first - start
    finally:
        proxy.close()
    if not ctx.device.is_on():
        ctx.call("on")
    ok = run.code == 0 and first is not None and first >= delay - 0.05 and run.seconds >= delay
    when = "never" if first is None else f"{first:.2f} s"
    yield Result("delay/before-connect", ok, f"exit {run.code}, first contact after {when} (delay {delay:g})",
                 run.seconds)  # fmt: skip


def check_faults(ctx: Context) -> Iterator[Result]:
    """Each fault of the device: no success the device does not show, and an end within the timeouts."""
    for kind in ctx.device.kind.faults:
        if not ctx.device.is_on():
            ctx.call("on")
        ctx.device.fault(kind)
        try:
            run = ctx.call("off")
        finally:
            ctx.device.clear_faults()
        off = not ctx.device.is_on()
        honest = run.code != 0 or off
        timely = run.code is not None and run.seconds <= ctx.bound
        detail = f"exit {run.code} in {run.seconds:.1f} s, device {'off' if off else 'on'}"
        if not honest:
            detail += ": reported success the device does not show"
        yield Result(f"fault/{kind}", honest and timely, detail, run.seconds)
        if off:
            ctx.call("on")


def check_secrets(ctx: Context) -> Iterator[Result]:
    secret = ctx.device.secret()
    with tempfile.TemporaryDirectory(prefix="fl-conf-") as tmp:
        debug = Path(tmp) / "debug.log"
        extra = {"verbose": "1"} if "verbose" in ctx.meta.params else {}
        if "debug_file" in ctx.meta.params:
            extra["debug_file"] = str(debug)
        run = ctx.call("status", **extra)
        leaks = []
        if any(secret in c for c in run.cmdlines):
            leaks.append("a process's argv (ps)")
        if secret in run.stdout or secret in run.stderr:
            leaks.append("its output")
        if debug.exists() and secret in debug.read_text(errors="replace"):
            leaks.append("the debug file")
    yield Result("secrets/hidden", run.code == 0 and not leaks,
                 f"exit {run.code}" + (f"; password in {', '.join(leaks)}" if leaks else "; nowhere"),
                 run.seconds)  # fmt: skip


def _value_for(param_name: str, kind: str, default: str | None) -> str:
    if param_name in ("debug", "debug_file"):
        return os.devnull  # a debug file named "x" would land in the caller's directory (the checkout)
    if default not in (None, ""):
        return str(default)
    if param_name.endswith("_path"):
        return "/bin/true"
    return "1" if kind in ("integer", "second", "boolean") else "x"


def check_dropin(ctx: Context) -> Iterator[Result]:
    """Every parameter of the stock agent's metadata is accepted, by argv and by stdin."""
    if ctx.stock is None:
        yield Result("dropin", None, "no stock agent given (--stock)")
        return
    for name, stock in sorted(ctx.stock.params.items()):
        if name in ONLY_STOCK:
            continue
        ours = ctx.meta.params.get(name)
        if ours is None:
            yield Result(f"dropin/{name}", False, "not in this agent's metadata")
            continue
        value = _value_for(name, stock.kind, stock.default)
        for style in ("long", "stdin"):
            argv, stdin = argv_for(ctx.meta, {name: value, "action": "metadata"}, style)
            run = run_agent(ctx.agent, argv, stdin, deadline=20)
            refused = any(p in run.output.lower() for p in PARSE_ERRORS)
            why = f": {run.output.strip().splitlines()[-1][:120]}" if refused or run.code else ""
            yield Result(
                f"dropin/{name}/{style}", run.code == 0 and not refused, f"exit {run.code}{why}", run.seconds
            )


CHECKS: dict[str, Check] = {
    "metadata": check_metadata,
    "actions": check_actions,
    "monitor": check_monitor_and_lists,
    "login": check_wrong_password,
    "delay": check_delay,
    "faults": check_faults,
    "secrets": check_secrets,
    "dropin": check_dropin,
}
