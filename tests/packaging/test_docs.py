"""User-facing docs speak the user's words: "the article's Listing N", never the project's internal "seed"
(a random seed of the simulation is another thing); the ready line's keys are documented as they are."""

from __future__ import annotations

import re
from pathlib import Path

from harness.pytest_plugin import Emulator

CHECKOUT = Path(__file__).resolve().parents[2]
PAGES = [CHECKOUT / "README.md", *sorted((CHECKOUT / "docs").glob("*.md"))]
# a random seed of a simulation is another thing
RANDOM_SEED = re.compile(
    r"SIM_SEED|from one seed|replay one seed|\bseeds? \d|chaos_run\(seed|seeded sched|--seed", re.IGNORECASE
)


def test_no_bare_seed_in_the_docs() -> None:
    bad = [
        f"{page.name}:{n}: {line.strip()}"
        for page in PAGES
        for n, line in enumerate(page.read_text().splitlines(), 1)
        if re.search(r"\bseed", line, re.I) and not RANDOM_SEED.search(line)
    ]
    assert bad == []


def test_demo_output_says_the_article() -> None:
    source = (CHECKOUT / "harness" / "demo.py").read_text()
    assert "seed" not in source.lower()


def test_the_ready_line_keys_are_documented_as_they_are(nps: Emulator) -> None:
    doc = (CHECKOUT / "docs" / "emulators.md").read_text()
    section = doc.split("**The ready line.**")[1].split("**In a shell script**")[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", section, re.M))
    assert documented == {"device", "name", "host", "ports", "serial", "pid", "credentials"}
    assert documented <= set(nps.info) and nps.info["device"] == "nps"
