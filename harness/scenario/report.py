"""What a scenario run leaves for people and CI: a text timeline, the JSON history, JUnit XML, and an HTML
page with a timeline plot (one lane per node and per device, faults shaded, fence calls as bars, service
ownership as coloured spans, invariant violations marked).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from harness.scenario.history import Event, History
from harness.scenario.runner import Outcome

QUIET = ("start", "stop", "quorum", "step", "lab", "scenario")
NETWORK_FAULTS = ("partition", "loss", "delay")


def describe(e: Event) -> str:
    f = e.fields
    if e.kind == "view":
        return f"view {f.get('generation')}: members {f.get('members')}" + (
            f", failed {f.get('failed')}" if f.get("failed") else ""
        )
    if e.kind == "fence_call":
        return f"{f.get('action', 'fence')} {f.get('victim')}: {f.get('agent')} (method {f.get('method')})"
    if e.kind == "fence_result":
        took = float(f.get("duration") or 0)
        return f"{f.get('victim')}: {f.get('agent')} {f.get('result')} after {took:.2f} s"
    if e.kind == "fenced":
        return f"{f.get('victim')} fenced (by {f.get('by')})"
    if e.kind == "outlet":
        return f"outlet {f.get('outlet')} {'on' if f.get('on') else 'OFF'}"
    if e.kind == "chassis":
        return f"chassis power {'on' if f.get('on') else 'OFF'}"
    if e.kind == "port":
        return f"port {f.get('port')} ({f.get('host')}) {'enabled' if f.get('enabled') else 'DISABLED'}"
    if e.kind == "fault":
        how = {"loss": f" {f.get('percent')} %", "delay": f" {f.get('ms')} ± {f.get('jitter')} ms"}
        oneway = " (one way)" if f.get("oneway") else ""
        return f"fault: {f.get('fault')}{how.get(str(f.get('fault')), '')}{oneway} {f.get('target')}"
    if e.kind == "heal":
        return "heal: partitions, loss and delay removed"
    if e.kind == "restart":
        return f"restart-cluster ({f.get('how')}): {', '.join(map(str, f.get('nodes') or []))}"
    if e.kind == "expect":
        return f"expect {f.get('what')}: {'ok' if f.get('ok') else 'FAILED'} ({f.get('detail')})"
    return " ".join(f"{k}={v}" for k, v in f.items())


def text_timeline(outcome: Outcome) -> str:
    h, t0 = outcome.history, outcome.t0
    if outcome.skipped:
        return f"scenario {outcome.scenario.name}: SKIPPED on {outcome.backend}: {outcome.skipped}\n"
    lines = [f"scenario {outcome.scenario.name}: {'PASS' if outcome.ok else 'FAIL'}", ""]
    for e in h.events:
        if e.kind in QUIET:
            continue
        lines.append(f"  {e.t - t0:8.3f}s  {e.src:<10} {describe(e)}")
    lines.append("")
    for x in outcome.expectations:
        lines.append(f"expect {x.step.describe()}: {'ok' if x.ok else 'FAILED'} - {x.detail}")
    expected = set(outcome.scenario.expect_violations)
    for v in outcome.violations:
        lines.append(
            f"VIOLATION {v}"
            + (" (expected: this scenario shows a broken device)" if v.invariant in expected else "")
        )
    for name in sorted(expected - outcome.caught):
        lines.append(f"NOT CAUGHT: {name} should have been violated")
    for err in outcome.errors:
        lines.append(f"ERROR {err}")
    timings = ", ".join(f"{k} {v:.2f} s" for k, v in outcome.timings.items())
    lines.append(f"timings: {timings}")
    return "\n".join(lines) + "\n"


def junit_xml(outcomes: Iterable[Outcome]) -> str:
    cases = []
    fails = total = 0
    for o in outcomes:
        name = o.scenario.name
        if o.skipped:
            total += 1
            cases.append(f"    <testcase classname={quoteattr('scenario.' + name)} name=\"runs\">"
                         f"<skipped message={quoteattr(o.skipped)}/></testcase>")  # fmt: skip
            continue
        checks = [(f"expect {x.step.describe()}", x.ok, x.detail) for x in o.expectations]
        expected = set(o.scenario.expect_violations)
        checks += [(f"invariant {v.invariant}", v.invariant in expected, str(v)) for v in o.violations]
        checks += [("runs", False, err) for err in o.errors]
        checks.append(
            ("invariants", o.caught == expected, f"caught {sorted(o.caught)}, expected {sorted(expected)}")
        )
        for check, ok, detail in checks:
            total += 1
            fails += 0 if ok else 1
            head = f"    <testcase classname={quoteattr('scenario.' + name)} name={quoteattr(check)}"
            cases.append(head + ("/>" if ok else f"><failure message={quoteattr(detail)}/></testcase>"))
    return "\n".join(
        ['<?xml version="1.0" encoding="UTF-8"?>',
         f'<testsuite name="scenarios" tests="{total}" failures="{fails}">', *cases, "</testsuite>", ""]
    )  # fmt: skip


def plot(outcome: Outcome, path: Path) -> None:
    """The timeline plot: lanes for nodes and devices; faults shaded; fence calls as bars; cuts marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h, t0 = outcome.history, outcome.t0
    nodes = [h.wiring.names[n] for n in sorted(h.wiring.names)]
    devices = sorted(
        {e.src for e in h.events if e.kind in ("outlet", "chassis", "port", "write")}
        | {str(e.get("device")) for e in h.of("device_fault")}
    )
    lanes = nodes + devices
    y = {name: len(lanes) - i for i, name in enumerate(lanes)}
    end = max([e.t - t0 for e in h.events] + [1.0]) + 0.5
    fig, ax = plt.subplots(figsize=(12, 0.6 * len(lanes) + 2.2))
    _membership(ax, h, t0, y, end)
    _services(ax, h, t0, y, end)
    _faults(ax, h, t0, y, end)
    _fencing(ax, h, t0, y)
    _devices(ax, h, t0, y)
    for v in outcome.violations:
        ax.axvline(v.t - t0, color="red", linewidth=2)
        ax.text(v.t - t0, len(lanes) + 0.6, f"✗ {v.invariant}", color="red", fontsize=8, rotation=0)
    ax.set_yticks(list(y.values()), list(y.keys()))
    ax.set_ylim(0.3, len(lanes) + 1.0)
    ax.set_xlim(0, end)
    ax.set_xlabel("seconds since the scenario started")
    verdict = "PASS" if outcome.ok else "FAIL"
    ax.set_title(f"{outcome.scenario.name} — {verdict}", loc="left")
    ax.grid(axis="x", alpha=0.3)
    handles = [
        plt.Rectangle((0, 0), 1, 1, color="#cfe8cf"), plt.Rectangle((0, 0), 1, 1, color="#f6d5a8"),
        plt.Rectangle((0, 0), 1, 1, color=SERVICE_COLOURS[0]),
        plt.Rectangle((0, 0), 1, 1, color="#7a4fb0"), plt.Rectangle((0, 0), 1, 1, color="#c0392b"),
        plt.Line2D([0], [0], color="black", marker="v", ls=""),
        plt.Line2D([0], [0], color="red", lw=2),
    ]  # fmt: skip
    labels = [
        "member",
        "fault",
        "service held",
        "fence call",
        "failed fence call",
        "device cut the node",
        "invariant violated",
    ]
    ax.legend(
        handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=7, frameon=False, fontsize=8
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _membership(ax, h: History, t0: float, y: dict[str, int], end: float) -> None:  # noqa: ANN001
    """Green spans: while some other node counted this node a member (what the cluster believed)."""
    for name in h.wiring.names.values():
        spans, since = [], None
        for e in h.of("view"):
            if e.src == name:
                continue
            member = name in {h.name(n) for n in e.get("members") or []}
            if member and since is None:
                since = e.t - t0
            elif not member and since is not None:
                spans.append((since, e.t - t0 - since))
                since = None
        if since is not None:
            spans.append((since, end - since))
        ax.broken_barh(spans, (y[name] - 0.35, 0.7), color="#cfe8cf")


SERVICE_COLOURS = ("#2c7fb8", "#d95f0e", "#31a354", "#756bb1", "#636363")


def _services(ax, h: History, t0: float, y: dict[str, int], end: float) -> None:  # noqa: ANN001
    """Each service as a coloured span on the lane of the node that holds it (starting .. stopping)."""
    seen: set[tuple[str, int]] = set()
    changes: dict[str, list[tuple[float, str | None]]] = {}
    for e in h.of("service"):
        key = (str(e.get("service")), int(e.get("version") or 0))
        if key in seen:
            continue  # every member writes each applied record: one is enough
        seen.add(key)
        holds = e.get("state") in ("starting", "started", "stopping", "recovering", "failed")
        changes.setdefault(key[0], []).append((e.t - t0, str(e.get("owner")) if holds else None))
    for i, (name, steps) in enumerate(sorted(changes.items())):
        colour = SERVICE_COLOURS[i % len(SERVICE_COLOURS)]
        for (t, owner), (t_next, _) in zip(steps, steps[1:] + [(end, None)], strict=True):
            if owner in y:
                ax.broken_barh([(t, t_next - t)], (y[owner] + 0.2 - 0.1 * i, 0.12), color=colour)
                ax.text(t, y[owner] + 0.36 - 0.1 * i, name, fontsize=7, color=colour, zorder=5)


def _faults(ax, h: History, t0: float, y: dict[str, int], end: float) -> None:  # noqa: ANN001
    for e in h.of("device_fault"):  # a device fault lasts until the device's faults are cleared
        device = str(e.get("device"))
        if e.get("fault") and device in y:
            cleared = [x.t - t0 for x in h.of("device_fault") if x.t > e.t and x.get("device") == device]
            stop = cleared[0] if cleared else end
            ax.broken_barh(
                [(e.t - t0, stop - (e.t - t0))], (y[device] - 0.45, 0.9), color="#f6d5a8", alpha=0.8
            )
            ax.text(e.t - t0, y[device] + 0.38, str(dict(e.get("fault")).get("kind")), fontsize=7)
    for e in h.of("fault"):
        target = str(e.get("target"))
        if target in y and e.get("fault") not in ("resume", "reconnect"):
            stop = _fault_end(h, e, target, t0, end)
            ax.broken_barh(
                [(e.t - t0, stop - (e.t - t0))], (y[target] - 0.45, 0.9), color="#f6d5a8", alpha=0.8
            )
            ax.text(e.t - t0, y[target] + 0.38, _fault_label(e), fontsize=7)


def _fault_label(e: Event) -> str:
    kind = str(e.get("fault"))
    if kind == "loss":
        return f"loss {e.get('percent')} %" + (" in" if e.get("oneway") else "")
    if kind == "delay":
        return f"delay {e.get('ms'):g} ms" + (" in" if e.get("oneway") else "")
    if kind == "partition" and e.get("oneway"):
        if e.get("deaf_to"):
            return "deaf to " + ", ".join(e.get("deaf_to"))
        return "unheard by " + ", ".join(e.get("unheard_by") or [])
    return kind


def _fault_end(h: History, e: Event, target: str, t0: float, end: float) -> float:
    """A network fault lasts until the network heals; a node's own until it restarts or resumes."""
    if e.get("fault") in NETWORK_FAULTS:
        return next((x.t - t0 for x in h.of("heal") if x.t > e.t), end)
    return next((x.t - t0 for x in h.of("fault", "start") if x.t > e.t and (
        x.src == target or (x.get("target") == target and x.get("fault") in ("resume", "reconnect"))
    )), end)  # fmt: skip


def _fencing(ax, h: History, t0: float, y: dict[str, int]) -> None:  # noqa: ANN001
    """Each fence call as a bar on its victim's lane (purple: success, red: failed), labelled at its start."""
    calls: dict[tuple[str, str], Event] = {}
    for n, e in enumerate(h.of("fence_call", "fence_result")):
        key = (e.src, str(e.get("victim")))
        if e.kind == "fence_call":
            calls[key] = e
        elif key in calls and str(e.get("victim")) in y:
            start = calls.pop(key)
            color = "#7a4fb0" if e.get("result") == "success" else "#c0392b"
            lane = y[str(e.get("victim"))]
            ax.broken_barh([(start.t - t0, max(e.t - start.t, 0.05))], (lane - 0.15, 0.3), color=color)
            label = f"{e.get('agent')} {e.get('result')}"
            ax.text(start.t - t0, lane - 0.33 - 0.12 * (n % 2), label, fontsize=7, color=color, va="top")


def _devices(ax, h: History, t0: float, y: dict[str, int]) -> None:  # noqa: ANN001
    for e, node, on, _ in h.power_events():
        if e.src in y:
            ax.plot(e.t - t0, y[e.src], marker="^" if on else "v", color="green" if on else "black")
            if not on:
                ax.text(e.t - t0, y[e.src] + 0.2, f"{node} off", fontsize=7, ha="right")
        if not on and node in y:
            ax.plot(e.t - t0, y[node], marker="v", color="black", markersize=9)
    for e in h.of("write"):
        if e.src in y:
            ax.plot(e.t - t0, y[e.src] - 0.2, marker="|", color="#2c7fb8")


def write_report(outcome: Outcome, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "timeline.txt").write_text(text_timeline(outcome))
    (directory / "history.json").write_text(outcome.history.to_json())
    (directory / "junit.xml").write_text(junit_xml([outcome]))
    plot(outcome, directory / "timeline.png")
    rows = "".join(
        f"<tr><td>{e.t - outcome.t0:.3f}</td><td>{html.escape(e.src)}</td><td>{html.escape(e.kind)}</td>"
        f"<td>{html.escape(describe(e))}</td></tr>"
        for e in outcome.history.events
        if e.kind not in QUIET
    )
    verdicts = "".join(
        f"<li class={'ok' if x.ok else 'bad'}>expect {html.escape(x.step.describe())}: "
        f"{html.escape(x.detail)}</li>"
        for x in outcome.expectations
    ) + "".join(f"<li class=bad>{html.escape(str(v))}</li>" for v in outcome.violations)
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(outcome.scenario.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}} .ok{{color:#1a7f37}} .bad{{color:#c0392b}}
table{{border-collapse:collapse;font-size:90%}}
td{{padding:2px 8px;border-bottom:1px solid #ddd}}</style></head>
<body><h1>{html.escape(outcome.scenario.name)}: <span class={"ok" if outcome.ok else "bad"}>
{"PASS" if outcome.ok else "FAIL"}</span></h1><p>{html.escape(outcome.scenario.description)}</p>
<img src="timeline.png" alt="timeline" style="max-width:100%"><h2>Verdicts</h2><ul>{verdicts}</ul>
<h2>Events</h2><table><tr><th>s</th><th>source</th><th>kind</th><th>what</th></tr>{rows}</table>
<p>history: <a href="history.json">history.json</a> · <a href="junit.xml">junit.xml</a> ·
<a href="timeline.txt">timeline.txt</a></p></body></html>
"""
    (directory / "index.html").write_text(page)
    return directory / "index.html"
