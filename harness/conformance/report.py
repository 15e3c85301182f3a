"""Conformance results as a text table and as JUnit XML (one testcase per check)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

from harness.conformance.checks import Result


def verdict(result: Result) -> str:
    return "n/a" if result.ok is None else ("PASS" if result.ok else "FAIL")


def text_table(agent: str, device: str, results: Sequence[Result]) -> str:
    width = max([len(r.check) for r in results] + [5])
    lines = [f"conformance of {agent} against the {device} emulator", ""]
    lines.append(f"{'check':<{width}}  verdict  seconds  detail")
    for r in results:
        lines.append(f"{r.check:<{width}}  {verdict(r):<7}  {r.seconds:7.2f}  {r.detail}")
    failed = sum(1 for r in results if r.ok is False)
    passed = sum(1 for r in results if r.ok)
    lines += ["", f"{passed} passed, {failed} failed, {len(results) - passed - failed} not applicable"]
    return "\n".join(lines) + "\n"


def junit_xml(agent: str, device: str, results: Sequence[Result]) -> str:
    failures = sum(1 for r in results if r.ok is False)
    skipped = sum(1 for r in results if r.ok is None)
    total = sum(r.seconds for r in results)
    suite = f"conformance.{device}"
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuite name={quoteattr(suite)} tests="{len(results)}" failures="{failures}" '
        f'skipped="{skipped}" time="{total:.3f}">',
        f'  <properties><property name="agent" value={quoteattr(agent)}/></properties>',
    ]
    for r in results:
        case = f'  <testcase classname={quoteattr(suite)} name={quoteattr(r.check)} time="{r.seconds:.3f}"'
        if r.ok is None:
            out.append(f"{case}><skipped message={quoteattr(r.detail)}/></testcase>")
        elif r.ok:
            out.append(f"{case}/>")
        else:
            out.append(f"{case}><failure message={quoteattr(r.detail)}/></testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"
