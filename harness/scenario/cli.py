"""``fencelab scenario``: run fault scenarios on a lab and judge them from the hardware's ground truth.

  fencelab scenario list                          the shipped scenarios
  fencelab scenario run NAME|FILE... [--report DIR] [--junit FILE] [--backend bundled|pacemaker]
  fencelab scenario random --seed N --count K [--report DIR] [--junit FILE] [--backend ...]

Exit 0 when every scenario passed (expectations met, no invariant violated), 1 otherwise, 2 for bad input.
A failing random scenario prints the command that replays it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from harness.one_line_parser import OneLineParser
from harness.scenario.backend import BACKENDS
from harness.scenario.generate import LIBRARY, random_scenario
from harness.scenario.spec import Scenario, ScenarioError, load


def library() -> dict[str, Path]:
    return {load(p).name: p for p in sorted(LIBRARY.glob("*.toml"))}


def _resolve(name: str) -> Path:
    path = Path(name)
    if path.exists() or path.suffix == ".toml":
        return path
    shipped = library()
    if name in shipped:
        return shipped[name]
    raise ScenarioError(f"no scenario {name!r} (a file, or one of: {', '.join(shipped)})")


def run_all(
    scenarios: Sequence[Scenario],
    report: Path | None,
    junit: Path | None,
    replay: bool,
    backend: str = "bundled",
) -> int:
    from harness.scenario.report import junit_xml, text_timeline, write_report
    from harness.scenario.runner import ScenarioRunner

    outcomes = []
    for scenario in scenarios:
        with tempfile.TemporaryDirectory(prefix="fl-scn-") as tmp:
            outcome = ScenarioRunner(scenario, Path(tmp), backend).run()
        outcomes.append(outcome)
        sys.stdout.write(text_timeline(outcome))
        if report is not None and not outcome.skipped:
            index = write_report(outcome, report / scenario.name)
            print(f"report: {index}")
        if not outcome.ok and replay and scenario.seed is not None:
            again = f" --backend {backend}" if backend != "bundled" else ""
            print(f"replay: fencelab scenario random --seed {scenario.seed} --count 1{again}")
        print()
    if junit is not None:
        junit.write_text(junit_xml(outcomes))
    failed = [o.scenario.name for o in outcomes if not o.ok]
    skipped = sum(1 for o in outcomes if o.skipped)
    print(
        f"{len(outcomes) - len(failed) - skipped} passed, {len(failed)} failed"
        + (f": {', '.join(failed)}" if failed else "")
        + (f", {skipped} skipped" if skipped else "")
    )
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="fencelab scenario", description="Fault scenarios judged from ground truth.")
    sub = parser.add_subparsers(dest="cmd", required=True, parser_class=OneLineParser)
    sub.add_parser("list", help="the shipped scenarios")
    run = sub.add_parser("run", help="run scenarios by name or file")
    run.add_argument("scenarios", nargs="+", metavar="NAME|FILE")
    rnd = sub.add_parser("random", help="random fault schedules from a seed")
    rnd.add_argument("--seed", type=int, required=True)
    rnd.add_argument("--count", type=int, default=1)
    for p in (run, rnd):
        p.add_argument(
            "--report", type=Path, metavar="DIR", help="HTML report, plot, history and JUnit per scenario"
        )
        p.add_argument("--junit", type=Path, metavar="FILE", help="JUnit XML for all scenarios")
        p.add_argument("--backend", choices=BACKENDS, default="bundled",
                       help="the cluster stack: bundled (cman/fenced/rgmanager) or pacemaker (Corosync 3 + "
                       "Pacemaker 2.1, our agents as its fencing; root)")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        if args.cmd == "list":
            for name, path in library().items():
                print(f"{name:<40} {load(path).description}")
            return 0
        if args.cmd == "run":
            scenarios = [load(_resolve(s)) for s in args.scenarios]
            return run_all(scenarios, args.report, args.junit, replay=False, backend=args.backend)
        if args.count < 1:
            raise ScenarioError("--count must be at least 1")
        seeds = [args.seed + i for i in range(args.count)]
        return run_all([random_scenario(s) for s in seeds], args.report, args.junit, True, args.backend)
    except ScenarioError as err:
        print(f"fencelab scenario: {err}", file=sys.stderr)
        return 2
